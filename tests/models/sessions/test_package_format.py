"""The 会评包 carries record fields, not table rows, and a package of the format before still opens and merges."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.casefile import load_case
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide, decide_with_key
from models.sessions.package import SESSION_FORMAT, PackageRefused, read_package, write_package
from models.sessions.session import export_results, export_session, merge_results, open_session
from models.signing.reviewers import unlock
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import CHEAP, PASSPHRASE, import_as, intake_row, write_csv

IDS = ["T00001", "T00002"]
SIGNED = {"lead": "科长丙", "travel_kdf": CHEAP, "passphrases": {"科长丙": PASSPHRASE, "审核员乙": PASSPHRASE}}
FORMAT_1 = "reviewdesk-session/1"


@pytest.fixture
def package(ws: Workspace, tmp_path: Path) -> Path:
    """T00001 and T00002 (each with an attachment), decided at 初审 by 审核员甲, out for 复核 by 审核员乙."""
    evidence = tmp_path / "附件"
    evidence.mkdir()
    (evidence / "证书.pdf").write_bytes(b"%PDF-1.4 format test")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(n, 附件="证书.pdf") for n in (1, 2, 3)]),
                evidence=evidence)
    for application_id in IDS:
        declare_conflict(ws, application_id, "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(application_id, "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    out = tmp_path / "会评包.zip"
    export_session(ws, IDS, ["审核员乙"], out, **SIGNED)
    return out


def _as_format_1(ws: Workspace, package: Path, out: Path) -> Path:
    """The same package as the code before format 2 wrote it: each table's row whole, signed by the lead."""
    manifest, members = read_package(package, SESSION_FORMAT)
    entries = []
    for application_id in IDS:
        entries.append({
            "application": dict(next(ws.db.query("SELECT * FROM applications WHERE application_id = ?",
                                                 [application_id]))),
            "assessment": dict(next(ws.db.query("SELECT * FROM assessments WHERE application_id = ?",
                                                [application_id]))),
            "evidence": list(ws.db.query("SELECT ae.*, e.size, e.kind FROM application_evidence ae JOIN evidence e "
                                         "USING (sha256) WHERE application_id = ? ORDER BY position",
                                         [application_id])),
            "decisions": list(ws.db.query("SELECT * FROM decisions WHERE application_id = ?", [application_id])),
            "conflicts": list(ws.db.query("SELECT * FROM conflicts WHERE application_id = ?", [application_id])),
        })
    members["applications.json"] = json.dumps(entries, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    header = {k: v for k, v in manifest.items() if k not in ("format", "alg", "files", "signature")}
    write_package(out, FORMAT_1, header, members, key=unlock(ws, "科长丙", PASSPHRASE))
    return out


def _review_on_a_laptop(package: Path, folder: Path, out: Path) -> Path:
    open_session(package, folder)
    with Workspace.open(folder, create=False) as laptop:
        case = load_case(laptop, "T00001")
        assert case.first is not None and case.first.reviewer == "审核员甲" and len(case.evidence) == 1
        key = unlock(laptop, "审核员乙", PASSPHRASE)
        for application_id in IDS:
            declare_conflict(laptop, application_id, "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
            decide_with_key(laptop, DecisionInput(application_id, "复核", "通过", "审核员乙", Decimal("300000")), key)
        export_results(laptop, out, signer="审核员乙", passphrase=PASSPHRASE)
    return out


def test_the_package_carries_each_records_fields_not_the_tables_rows(ws: Workspace, package: Path) -> None:
    manifest, members = read_package(package, SESSION_FORMAT)
    assert manifest["format"] == "reviewdesk-session/2"
    entry = json.loads(members["applications.json"])[0]
    assert "import_id" not in entry["application"] and entry["stored"] == {"version": 1, "demo": 0, "seq": 1}
    assert set(entry) == {"application", "stored", "assessment", "evidence", "decisions", "conflicts"}
    assert [d["stage"] for d in entry["decisions"]] == ["初审"] and entry["decisions"][0]["amount_yuan"] == "300000.00"


@pytest.mark.parametrize("old_format", [False, True], ids=["format 2", "format 1"])
def test_a_package_opens_on_a_laptop_and_its_results_merge(ws: Workspace, package: Path, tmp_path: Path,
                                                            old_format: bool) -> None:
    sent = _as_format_1(ws, package, tmp_path / "旧会评包.zip") if old_format else package
    results = _review_on_a_laptop(sent, tmp_path / "laptop", tmp_path / "结果.zip")
    report = merge_results(ws, results)
    assert len(report.merged) == 2 and not report.conflicts
    seconds = [load_case(ws, i).second for i in IDS]
    assert all(s is not None and (s.outcome, s.reviewer) == ("通过", "审核员乙") for s in seconds), seconds
    assert verify_workspace(ws).ok


@pytest.mark.parametrize("damage", ["no stored fields", "an amount that is no number", "not a list"])
def test_a_signed_package_with_an_unreadable_entry_is_refused_and_leaves_no_workspace(
        ws: Workspace, package: Path, tmp_path: Path, damage: str) -> None:
    manifest, members = read_package(package, SESSION_FORMAT)
    entries = json.loads(members["applications.json"])
    if damage == "no stored fields":
        del entries[0]["stored"]
    elif damage == "an amount that is no number":
        entries[1]["decisions"][0]["amount_yuan"] = "三十万"
    else:
        entries = {"entries": entries}
    members["applications.json"] = json.dumps(entries, ensure_ascii=False).encode("utf-8")
    header = {k: v for k, v in manifest.items() if k not in ("format", "alg", "files", "signature")}
    damaged = tmp_path / "坏会评包.zip"
    write_package(damaged, SESSION_FORMAT, header, members, key=unlock(ws, "科长丙", PASSPHRASE))  # the lead's own
    with pytest.raises(PackageRefused, match="坏会评包.zip 中的申报"):
        open_session(damaged, tmp_path / "laptop")
    assert not (tmp_path / "laptop").exists() or not any((tmp_path / "laptop").iterdir())
