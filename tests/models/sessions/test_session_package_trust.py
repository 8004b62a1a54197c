"""The 会评包 itself: signed by its 负责人, keys re-wrapped for travel, opening recorded."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from models.signing.keys import KdfParams
from models.sessions.package import SESSION_FORMAT, PackageRefused, read_package, write_package
from models.sessions.session import SessionError, export_session, open_session
from models.workspace.workspace import Workspace
from tests.workspace_support import CHEAP, PASSPHRASE, import_as, intake_row, write_csv

ALL = {"科长丙": PASSPHRASE, "审核员甲": PASSPHRASE}


@pytest.fixture
def imported(ws: Workspace, tmp_path: Path) -> Workspace:
    import_as(ws, write_csv(tmp_path / "in.csv", [intake_row(1)]))
    return ws


def test_keys_travel_rewrapped_at_one_second_or_more_per_guess(imported: Workspace, tmp_path: Path) -> None:
    package = tmp_path / "会评包.zip"
    export_session(imported, ["T00001"], ["审核员甲"], package, lead="科长丙", passphrases=ALL)
    _, members = read_package(package, SESSION_FORMAT)
    (staff,) = json.loads(members["reviewers.json"])
    kdf = json.loads(base64.b64decode(staff["key_blob"]))["kdf"]
    assert (kdf["n"], kdf["r"], kdf["p"]) == (2**17, 8, 4) and KdfParams.for_travel() == KdfParams(2**17, 8, 4)
    started = time.perf_counter()
    KdfParams.for_travel().derive("一个猜测的口令-0000", b"0" * 16)
    assert time.perf_counter() - started >= 1.0


def test_only_a_lead_exports_and_each_key_needs_its_owners_passphrase(imported: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "p.zip"
    with pytest.raises(SessionError, match="须由负责人导出并签名"):
        export_session(imported, ["T00001"], ["审核员甲"], out, lead="审核员乙", passphrases=ALL, travel_kdf=CHEAP)
    with pytest.raises(SessionError, match="请 审核员乙 输入口令"):
        export_session(imported, ["T00001"], ["审核员乙"], out, lead="科长丙", passphrases=ALL, travel_kdf=CHEAP)
    with pytest.raises(SessionError, match="不参与审核"):
        export_session(imported, ["T00001"], ["管理员丁"], out, lead="科长丙",
                       passphrases={**ALL, "管理员丁": PASSPHRASE}, travel_kdf=CHEAP)
    assert not out.exists() and imported.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_opening_checks_the_leads_signature_and_records_the_reviewers(imported: Workspace, tmp_path: Path) -> None:
    package = tmp_path / "会评包.zip"
    export_session(imported, ["T00001"], ["审核员甲"], package, lead="科长丙", passphrases=ALL, travel_kdf=CHEAP)
    manifest, members = read_package(package, SESSION_FORMAT)
    staff = json.loads(members["reviewers.json"])
    staff[0]["role"] = "负责人"  # promote the expert on the way
    members["reviewers.json"] = json.dumps(staff, ensure_ascii=False).encode()
    header = {k: v for k, v in manifest.items() if k not in ("format", "files", "signature")}
    altered = tmp_path / "改过的会评包.zip"
    write_package(altered, SESSION_FORMAT, header, members)
    with pytest.raises(PackageRefused, match="负责人签名无效"):
        open_session(altered, tmp_path / "laptop-x")

    open_session(package, tmp_path / "laptop")
    with Workspace.open(tmp_path / "laptop", create=False) as laptop:
        actor, details = laptop.db.execute(
            "SELECT actor, details FROM audit WHERE action = '会评包审核人员'").fetchone()
    assert actor == "科长丙"
    assert [r["name"] for r in json.loads(details)["reviewers"]] == ["审核员甲"]
