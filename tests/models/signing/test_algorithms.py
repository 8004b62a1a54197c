"""Every signed record names its algorithm; records from before the field keep verifying; unknown ones are refused."""

from __future__ import annotations

import json
from pathlib import Path

from models.signing.ca import create_ca, issue_reviewer
from models.signing.signatures import ALGORITHM, algorithm_of, sign_record, verify_record, with_algorithm

RECORD = {"application_id": "LC2024-0001", "reviewer": "审核员甲", "outcome": "通过"}


def test_a_record_without_alg_is_an_old_ecdsa_record_and_still_verifies() -> None:
    key, certificate = issue_reviewer(create_ca(), "审核员甲", "初审")
    assert algorithm_of(RECORD) == ALGORITHM == "ECDSA-P256-SHA256"
    assert verify_record(certificate, RECORD, sign_record(key, RECORD))


def test_a_record_naming_another_algorithm_is_refused_even_when_the_bytes_verify() -> None:
    key, certificate = issue_reviewer(create_ca(), "审核员甲", "初审")
    named = with_algorithm(RECORD)
    assert verify_record(certificate, named, sign_record(key, named))
    sm2 = {**RECORD, "alg": "SM2-SM3"}
    assert not verify_record(certificate, sm2, sign_record(key, sm2))


def test_decisions_declarations_and_sheets_carry_the_algorithm(tmp_path: Path) -> None:
    from demo.workspace import create_demo
    from models.signing.keys import KdfParams
    from models.workspace.workspace import Workspace

    create_demo(tmp_path / "ws", count=4, kdf=KdfParams.cheap_for_tests())
    with Workspace.open(tmp_path / "ws", create=False, lock=False) as ws:
        decisions = [json.loads(r) for (r,) in ws.db.execute("SELECT record FROM decisions")]
        declarations = [json.loads(r) for (r,) in ws.db.execute("SELECT record FROM conflicts")]
    assert decisions and all(record["alg"] == ALGORITHM for record in decisions)
    assert declarations and all(record["alg"] == ALGORITHM for record in declarations)
