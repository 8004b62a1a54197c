"""会评 results as an insider would alter them: each attack is refused, naming what, with nothing changed."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide_with_key
from tests.workspace_support import import_as
from models.signing.people import revoke_reviewer
from models.signing.reviewers import unlock
from models.sessions.package import RESULTS_FORMAT, PackageRefused, read_package, write_package
from models.sessions.session import export_results, export_session, merge_results, open_session
from models.signing.signatures import canonical_bytes, sign_record
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.insider import forge_logged
from tests.workspace_support import AUTH, CHEAP, PASSPHRASE, intake_row, write_csv, insert_behind_the_apps_back

IDS = ["T00001", "T00002", "T00003"]
STAFF = ["审核员甲", "审核员乙", "科长丙"]
ALL = {name: PASSPHRASE for name in STAFF}

Rows = list[dict[str, Any]]


@pytest.fixture
def bureau(ws: Workspace, tmp_path: Path) -> Workspace:
    import_as(ws, write_csv(tmp_path / "in.csv", [intake_row(n) for n in range(1, 5)]))
    export_session(ws, IDS, ["审核员甲", "审核员乙"], tmp_path / "会评包.zip", lead="科长丙",
                   passphrases=ALL, travel_kdf=CHEAP)
    return ws


def _laptop(bureau_tmp: Path, work: Callable[[Workspace], None], name: str = "laptop") -> Path:
    folder = bureau_tmp / name
    open_session(bureau_tmp / "会评包.zip", folder)
    with Workspace.open(folder, create=False) as laptop:
        work(laptop)
        out = bureau_tmp / f"{name}-结果.zip"
        export_results(laptop, out, signer="审核员甲", passphrase=PASSPHRASE)
    return out


def _decide(laptop: Workspace, application_id: str, stage: str, reviewer: str, note: str = "") -> None:
    key = unlock(laptop, reviewer, PASSPHRASE)
    declare_conflict(laptop, application_id, reviewer, has_conflict=False, key=key)
    decide_with_key(laptop, DecisionInput(application_id, stage, "通过", reviewer, Decimal("500000"),
                                          opinion="会评同意", note=note), key)


def _both_stages(laptop: Workspace) -> None:
    _decide(laptop, "T00001", "初审", "审核员甲", note="内部备注：材料齐全")
    _decide(laptop, "T00001", "复核", "审核员乙")
    _decide(laptop, "T00002", "初审", "审核员甲")


@pytest.fixture
def results(bureau: Workspace, tmp_path: Path) -> Path:
    return _laptop(tmp_path, _both_stages)


def _state(ws: Workspace) -> tuple:
    return tuple(ws.db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                 for table in ("decisions", "conflicts", "audit", "session_applications", "reviewers"))


def _rewrite(results: Path, out: Path, change: Callable[[Rows, Rows, dict[str, Any]], None],
             signer: tuple[Workspace, str] | None = None) -> Path:
    """The results with ``change`` applied, the manifest recomputed, re-signed when ``signer`` is given."""
    manifest, members = read_package(results, RESULTS_FORMAT)
    decisions, conflicts = json.loads(members["decisions.json"]), json.loads(members["conflicts.json"])
    header = {k: v for k, v in manifest.items() if k not in ("format", "files", "signature")}
    change(decisions, conflicts, header)
    members |= {"decisions.json": json.dumps(decisions, ensure_ascii=False).encode(),
                "conflicts.json": json.dumps(conflicts, ensure_ascii=False).encode()}
    key = unlock(signer[0], signer[1], PASSPHRASE) if signer else None
    write_package(out, RESULTS_FORMAT, header, members, key=key)
    return out


def _forge(row: dict[str, Any], key, **changes: Any) -> dict[str, Any]:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    """A decision row re-signed by ``key`` with ``changes`` in its record and columns."""
    record = json.loads(row["record"])
    record["decision"] |= changes
    forged = {**row, **changes, "record": canonical_bytes(record).decode(),
              "signature": base64.b64encode(sign_record(key, record)).decode()}
    return forged


def _refused(bureau: Workspace, package: Path, *words: str) -> str:
    before = _state(bureau)
    with pytest.raises(PackageRefused) as caught:
        merge_results(bureau, package)
    assert _state(bureau) == before
    message = str(caught.value)
    assert all(word in message for word in words), message
    return message


@pytest.fixture
def insider(bureau: Workspace) -> tuple[Workspace, str]:
    """审核员甲, a session reviewer, re-signs whatever they altered."""
    return bureau, "审核员甲"


def test_the_untouched_results_merge_and_verify(bureau: Workspace, results: Path) -> None:
    report = merge_results(bureau, results)
    assert len(report.merged) == 3 and len(report.declarations) == 3
    assert verify_workspace(bureau).ok
    actions = [a for (a,) in bureau.db.execute("SELECT action FROM audit WHERE action LIKE '利益冲突声明%'")]
    assert actions == ["利益冲突声明（会评合并）"] * 3


def test_decisions_by_someone_not_named_for_the_session_are_refused(bureau: Workspace, tmp_path: Path) -> None:
    def lead_twice(laptop: Workspace) -> None:
        _decide(laptop, "T00001", "初审", "审核员甲")

    plain = _laptop(tmp_path, lead_twice)
    session_lead = tmp_path / "丙.zip"

    # 科长丙 (负责人, who may act at either stage) signs a 初审 and a 复核 of T00003 himself.
    def add(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        key = unlock(bureau, "科长丙", PASSPHRASE)
        template = decisions[0]
        first = _forge(template, key, uuid=str(uuid.uuid4()), application_id="T00003", reviewer="科长丙")
        second = _forge(first, key, uuid=str(uuid.uuid4()), stage="复核", supersedes=None)
        decisions += [first, second]

    _rewrite(plain, session_lead, add, signer=(bureau, "审核员甲"))
    _refused(bureau, session_lead, "T00003 初审，科长丙", "签名人不是本次会评的审核人员")


def test_one_reviewer_at_two_stages_is_refused_by_the_stage_rules(bureau: Workspace, tmp_path: Path) -> None:
    # 丙 named for the session this time, so only the two-person rule can stop him.
    export_session(bureau, ["T00004"], ["审核员甲", "科长丙"], tmp_path / "会评包.zip", lead="科长丙",
                   passphrases=ALL, travel_kdf=CHEAP)

    def twice(laptop: Workspace) -> None:
        _decide(laptop, "T00004", "初审", "科长丙")
        key = unlock(laptop, "科长丙", PASSPHRASE)
        row = next(laptop.db.query("SELECT * FROM decisions"))
        forged = _forge(row, key, uuid=str(uuid.uuid4()), stage="复核", supersedes=None)
        insert_behind_the_apps_back(laptop.db, "decisions", forged)  # past the laptop's own rules, by SQL

    package = _laptop(tmp_path, twice, "laptop-4")
    _refused(bureau, package, "科长丙 已作出本件初审决定", "同一人不能在两个阶段")


def test_a_flipped_current_flag_is_refused(bureau: Workspace, results: Path, tmp_path: Path, insider) -> None:
    def flip(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        decisions[0]["current"] = 1 - decisions[0]["current"]

    _refused(bureau, _rewrite(results, tmp_path / "x.zip", flip, insider), "current 标志")


def test_a_dropped_review_with_the_manifest_recomputed_is_refused(bureau: Workspace, results: Path,
                                                                   tmp_path: Path) -> None:
    def drop(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        decisions[:] = [d for d in decisions if d["stage"] != "复核"]

    _refused(bureau, _rewrite(results, tmp_path / "x.zip", drop), "签名无效", "被改动")


def test_injected_declarations_for_people_outside_the_session_are_refused(bureau: Workspace, results: Path,
                                                                          tmp_path: Path, insider) -> None:
    key = unlock(bureau, "科长丙", PASSPHRASE)

    def inject(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        record = {"kind": "利益冲突声明", "application_id": "T00002", "reviewer": "科长丙", "has_conflict": True,
                  "reason": "阻止其审核", "declared_at": header["created_at"]}
        conflicts.append({"application_id": "T00002", "reviewer": "科长丙", "has_conflict": 1,
                          "reason": "阻止其审核", "declared_at": header["created_at"],
                          "record": canonical_bytes(record).decode(),
                          "signature": base64.b64encode(sign_record(key, record)).decode()})

    _refused(bureau, _rewrite(results, tmp_path / "x.zip", inject, insider), "科长丙", "不是本次会评的审核人员")

    def unsigned(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        conflicts.append({**conflicts[0], "application_id": "T00003", "reviewer": "审核员乙", "has_conflict": 1,
                          "reason": "冒名声明"})

    _refused(bureau, _rewrite(results, tmp_path / "y.zip", unsigned, insider), "审核员乙 对 T00003", "签名无效")


def test_a_replaced_note_is_refused(bureau: Workspace, results: Path, tmp_path: Path, insider) -> None:
    def replace(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        next(d for d in decisions if d["note"])["note"] = "内部备注：与企业负责人已沟通，同意"

    _refused(bureau, _rewrite(results, tmp_path / "x.zip", replace, insider), "note_sha256", "备注已被替换")


def test_a_conflicts_only_package_reports_what_it_changes(bureau: Workspace, tmp_path: Path) -> None:
    def declare_only(laptop: Workspace) -> None:
        declare_conflict(laptop, "T00003", "审核员乙", has_conflict=True, reason="曾为该企业提供咨询",
                         passphrase=PASSPHRASE)

    package = _laptop(tmp_path, declare_only)
    audit_rows = bureau.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    report = merge_results(bureau, package)
    assert report.lines()[0] == "合并 0 个决定，已存在（跳过）0 个，冲突 0 个；合并利益冲突声明 1 条"
    assert bureau.db.execute("SELECT reviewer, has_conflict FROM conflicts").fetchall() == [("审核员乙", 1)]
    assert bureau.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == audit_rows + 2
    before = _state(bureau)
    again = merge_results(bureau, package)
    assert again.lines()[0].startswith("合并 0 个决定") and not again.declarations
    assert _state(bureau) == before


def test_a_signature_dated_before_the_export_is_refused(bureau: Workspace, results: Path, tmp_path: Path,
                                                        insider) -> None:
    key = unlock(bureau, "审核员甲", PASSPHRASE)
    exported = datetime.fromisoformat(bureau.db.execute("SELECT created_at FROM sessions").fetchone()[0])
    before_export = (exported - timedelta(minutes=2)).isoformat(timespec="seconds")  # the certificate was valid

    def backdate(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        index = next(n for n, d in enumerate(decisions) if d["application_id"] == "T00002")
        decisions[index] = _forge(decisions[index], key, decided_at=before_export)

    _refused(bureau, _rewrite(results, tmp_path / "x.zip", backdate, insider), "不在会评包导出", "与合并之间")


def test_a_decision_signed_after_the_signers_revocation_is_refused(bureau: Workspace, tmp_path: Path) -> None:
    revoke_reviewer(bureau, "审核员乙", auth=AUTH, reason="离职")
    time.sleep(1.1)  # the laptop, not knowing, lets 乙 decide after the revocation
    package = _laptop(tmp_path, _both_stages)
    _refused(bureau, package, "审核员乙 的证书已于", "吊销", "签名无效")


def test_a_decision_signed_before_the_revocation_still_merges(bureau: Workspace, results: Path) -> None:
    revoke_reviewer(bureau, "审核员乙", auth=AUTH, reason="离职")
    report = merge_results(bureau, results)
    assert len(report.merged) == 3
    verified = verify_workspace(bureau)
    assert verified.ok and any("作于吊销之前" in line for line in verified.lines)


def test_a_review_before_any_first_decision_is_refused(bureau: Workspace, tmp_path: Path) -> None:
    def review_first(laptop: Workspace) -> None:
        key = unlock(laptop, "审核员乙", PASSPHRASE)
        declare_conflict(laptop, "T00003", "审核员乙", has_conflict=False, key=key)
        _decide(laptop, "T00003", "初审", "审核员甲")
        row = dict(next(laptop.db.query("SELECT * FROM decisions WHERE application_id = 'T00003'")))
        laptop.db.execute("DELETE FROM decisions")
        insert_behind_the_apps_back(laptop.db, "decisions", _forge(row, key, uuid=str(uuid.uuid4()), stage="复核", reviewer="审核员乙"))

    _refused(bureau, _laptop(tmp_path, review_first), "复核须在初审结论为")


def test_a_decision_without_its_declaration_is_refused(bureau: Workspace, results: Path, tmp_path: Path,
                                                       insider) -> None:
    def undeclared(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        conflicts[:] = [c for c in conflicts if c["reviewer"] != "审核员乙"]

    _refused(bureau, _rewrite(results, tmp_path / "x.zip", undeclared, insider), "审核员乙 作出决定前没有",
             "声明利益冲突")


# --- the generic test: every field of every record, in turn ---------------------------------------------------


def _altered(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1 if value not in (0, 1) else 1 - value
    if value is None:
        return "00000000-0000-0000-0000-000000000000"
    text = str(value)
    return text[:-1] + ("0" if text[-1:] != "0" else "1") if text else "x"


def _fields(results: Path) -> list[tuple[str, int, str]]:
    _, members = read_package(results, RESULTS_FORMAT)
    found = []
    for member in ("decisions.json", "conflicts.json"):
        for index, row in enumerate(json.loads(members[member])):
            found += [(member, index, column) for column in row]
    return found


def test_altering_any_field_of_the_results_is_refused_with_nothing_changed(bureau: Workspace, results: Path,
                                                                           tmp_path: Path, insider) -> None:
    fields = _fields(results)
    assert len(fields) == 3 * 18 + 3 * 7
    for n, (member, index, column) in enumerate(fields):
        def alter(decisions: Rows, conflicts: Rows, header: dict[str, Any],
                  member: str = member, index: int = index, column: str = column) -> None:
            rows = decisions if member == "decisions.json" else conflicts
            rows[index][column] = _altered(rows[index][column])

        # Once with the manifest recomputed, once re-signed by the insider as well.
        for signer in (None, insider):
            package = _rewrite(results, tmp_path / f"{n}-{bool(signer)}.zip", alter, signer)
            with pytest.raises(PackageRefused, match="未合并"):
                before = _state(bureau)
                try:
                    merge_results(bureau, package)
                finally:
                    assert _state(bureau) == before, (member, index, column)
    for key in ("session_id", "created_at", "signed_by", "audit_head"):
        def alter_header(decisions: Rows, conflicts: Rows, header: dict[str, Any], key: str = key) -> None:
            header[key] = _altered(header[key])

        _refused(bureau, _rewrite(results, tmp_path / f"h-{key}.zip", alter_header))
    assert len(merge_results(bureau, results).merged) == 3


def test_the_session_as_logged_at_export_bounds_the_merge_not_its_rows(bureau: Workspace, results: Path,
                                                                        tmp_path: Path) -> None:
    """An insider widens the session in its tables, with a matching log entry: a reviewer, an application, a time."""
    exported = datetime.fromisoformat(bureau.db.execute("SELECT created_at FROM sessions").fetchone()[0])
    session_id = bureau.db.execute("SELECT session_id FROM sessions").fetchone()[0]
    earlier = (exported - timedelta(days=1)).isoformat(timespec="seconds")
    forge_logged(bureau.folder, [
        ("UPDATE sessions SET created_at = ?, details = ?", [earlier, json.dumps(
            {"reviewers": [*STAFF], "exported_by": "科长丙"}, ensure_ascii=False)]),
        ("INSERT INTO session_applications (session_id, application_id, insertion_order) VALUES (?, 'T00004', 99)",
         [session_id]),
    ], actor="科长丙", action="导出会评包", subject="会评包.zip")
    key = unlock(bureau, "审核员甲", PASSPHRASE)

    def by_the_lead(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        header["signed_by"] = "科长丙"

    def backdate(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        index = next(n for n, d in enumerate(decisions) if d["application_id"] == "T00002")
        decisions[index] = _forge(decisions[index], key, decided_at=(exported - timedelta(minutes=2)).isoformat(
            timespec="seconds"))

    def elsewhere(decisions: Rows, conflicts: Rows, header: dict[str, Any]) -> None:
        index = next(n for n, d in enumerate(decisions) if d["application_id"] == "T00002")
        decisions[index] = _forge(decisions[index], key, application_id="T00004")

    _refused(bureau, _rewrite(results, tmp_path / "lead.zip", by_the_lead, (bureau, "科长丙")),
             "结果包的签名人 '科长丙' 不是本次会评的审核人员")
    _refused(bureau, _rewrite(results, tmp_path / "early.zip", backdate, (bureau, "审核员甲")), "不在会评包导出")
    _refused(bureau, _rewrite(results, tmp_path / "T4.zip", elsewhere, (bureau, "审核员甲")), "不在该会评包中的申报 T00004")
