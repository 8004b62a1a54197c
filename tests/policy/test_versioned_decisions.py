"""Old decisions keep their version's clause, cap and sheet; a later round takes the new version.

A test-only fixture version (``fixture_version.py``: 马德里 1万元 → 2万元, in force
from 2026) is registered beside the real document after the first round was
imported and decided. Everything shown for the first round must still come from
the real version, the second round's from the fixture, and re-assessment never
moves an application from one to the other.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from cli.main import main
from models.intake.problems import ImportRejected
from models.review.casefile import load_case
from models.review.reassess import reassess_enterprise
from models.workspace.workspace import Workspace
from policy.catalog import DEFAULT_VERSION
from sheets.content import content_from_case
from sheets.layout import render
from models.workspace.verification import verify_workspace
from tests.policy.fixture_version import NEW_SENTENCE, OLD_SENTENCE, fixture_version_registered
from tests.sheets.support import run_tool
from tests.workspace_support import approve_both_stages, import_as, intake_row, signing_options, valid_uscc, write_csv


def _madrid(n: int, year: int, uscc: str | None = None) -> dict[str, str]:
    return intake_row(n, **{"统一社会信用代码": uscc or valid_uscc(n), "产业": "纺织服装", "申报事项": "马德里注册商标",
                            "认定日期": f"{year}-03-01", "申报年度": str(year), "申请金额(万元)": "2"})




def _sheet_text(ws: Workspace, application_id: str, tmp_path: Path) -> str:
    pdf = tmp_path / f"{application_id}.pdf"
    pdf.write_bytes(render(content_from_case(load_case(ws, application_id)), None).pdf)
    return run_tool("pdftotext", str(pdf), "-").replace(" ", "")


def _stored(ws: Workspace, application_id: str) -> tuple[str, Decimal]:
    version, cap = ws.db.execute("SELECT policy_version, cap_yuan FROM assessments WHERE application_id = ?",
                                 [application_id]).fetchone()
    return version, Decimal(cap)


def test_old_decisions_keep_their_version_while_a_later_round_takes_the_new_one(ws: Workspace,
                                                                                  tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "2024.csv", [_madrid(1, 2024), _madrid(2, 2024)]))
    approve_both_stages(ws, "T00001", "10000")
    before = _sheet_text(ws, "T00001", tmp_path)

    with fixture_version_registered(tmp_path / "fixture") as fixture:
        import_as(ws, write_csv(tmp_path / "2026.csv", [_madrid(3, 2026), _madrid(4, 2026, valid_uscc(2))]))

        for old in ("T00001", "T00002"):
            case = load_case(ws, old)
            assert (case.policy.version, case.cap.policy_version) == (DEFAULT_VERSION, DEFAULT_VERSION)
            assert OLD_SENTENCE in case.item.clause.text and NEW_SENTENCE not in case.item.clause.text
            assert case.item.number("amount").value == Decimal("1")
            assert case.cap.cap_yuan == Decimal("10000.00")
        assert _sheet_text(ws, "T00001", tmp_path) == before
        assert OLD_SENTENCE in before and DEFAULT_VERSION in before

        new = load_case(ws, "T00003")
        assert (new.policy.version, new.cap.policy_version, new.cap.cap_yuan) == (fixture, fixture, Decimal("20000.00"))
        assert NEW_SENTENCE in new.item.clause.text
        assert "依申报年度确定" in new.policy_note
        text = _sheet_text(ws, "T00003", tmp_path)
        assert NEW_SENTENCE in text and fixture in text and OLD_SENTENCE not in text

        # T00002 (pending, 2024) and T00004 (pending, 2026) are one enterprise: approving the new one
        # re-assesses the old one, under the version it was assessed under.
        approve_both_stages(ws, "T00004", "20000")
        assert _stored(ws, "T00002")[0] == DEFAULT_VERSION
        with ws.db.atomic():
            reassess_enterprise(ws, valid_uscc(2), "测试")
            reassess_enterprise(ws, valid_uscc(1), "测试")
        assert _stored(ws, "T00002")[0] == DEFAULT_VERSION
        assert load_case(ws, "T00002").item.clause.text == load_case(ws, "T00001").item.clause.text
        assert _stored(ws, "T00004") == (fixture, Decimal("20000.00"))
        assert _sheet_text(ws, "T00001", tmp_path) == before


def test_a_reviewer_may_choose_the_version_and_the_choice_is_an_audited_event_shown_in_the_case(
        ws: Workspace, tmp_path: Path) -> None:
    with fixture_version_registered(tmp_path / "fixture") as fixture:
        import_as(ws, write_csv(tmp_path / "2026.csv", [_madrid(5, 2026)]),
                    policy_version=DEFAULT_VERSION)
        case = load_case(ws, "T00005")
        assert (case.policy.version, case.cap.cap_yuan) == (DEFAULT_VERSION, Decimal("10000.00"))
        assert f"由 审核员甲 指定（按申报年度应为 {fixture}）" in case.policy_note
        actor, details = ws.db.execute("SELECT actor, details FROM audit WHERE action = '指定政策版本'").fetchone()
        assert actor == "审核员甲"
        assert json.loads(details)["policy_version"] == DEFAULT_VERSION
        assert json.loads(details)["policy_by_year"] == fixture
        record = json.loads(details)["record"]  # signed by the importer, as the import's own entry
        assert (record["kind"], record["by"], record["file"]) == ("指定政策版本", "审核员甲", "2026.csv")
        assert verify_workspace(ws).ok


def test_an_import_whose_year_no_version_covers_is_refused_naming_the_row(ws: Workspace, tmp_path: Path) -> None:
    row = _madrid(6, 2024) | {"申报年度": "2022"}
    with pytest.raises(ImportRejected) as refused:
        import_as(ws, write_csv(tmp_path / "2022.csv", [_madrid(7, 2024), row]))
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (3, "申报年度")
    assert "没有适用于 2022 年度申报的政策版本" in problem.message
    assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0


def test_a_file_whose_years_fall_under_two_versions_needs_a_choice(ws: Workspace, tmp_path: Path) -> None:
    with fixture_version_registered(tmp_path / "fixture") as fixture:
        path = write_csv(tmp_path / "mixed.csv", [_madrid(8, 2024), _madrid(9, 2026)])
        with pytest.raises(ImportRejected, match="分属不同的政策版本"):
            import_as(ws, path)
        import_as(ws, path, policy_version=fixture)
        assert {_stored(ws, "T00008")[0], _stored(ws, "T00009")[0]} == {fixture}


def test_cli_import_takes_a_policy_version_and_refuses_an_unknown_one(ws: Workspace, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = ws.folder
    ws.close()
    path = write_csv(tmp_path / "a.csv", [_madrid(10, 2024)])
    signing = signing_options(folder)
    assert main(["--workspace", str(folder), "import", str(path), "--policy-version", "没有这个版本", *signing]) == 2
    assert "未登记的政策版本“没有这个版本”" in capsys.readouterr().err
    assert main(["--workspace", str(folder), "import", str(path), "--policy-version", DEFAULT_VERSION,
                 *signing]) == 0
    with Workspace.open(folder) as reopened:
        assert "依申报年度确定" in load_case(reopened, "T00010").policy_note


def test_a_broader_alias_keeps_its_flag_when_the_application_is_reassessed(ws: Workspace, tmp_path: Path) -> None:
    same = valid_uscc(11)
    alias = intake_row(11, **{"统一社会信用代码": same, "产业": "纺织服装", "申报事项": "主持制定地方标准",
                              "申请金额(万元)": "10"})
    import_as(ws, write_csv(tmp_path / "alias.csv", [alias, _madrid(12, 2024, same)]))
    assert any("宽于“主持制定山东省地方标准”" in flag for flag in load_case(ws, "T00011").cap.flags)
    approve_both_stages(ws, "T00012", "10000")  # a final decision re-assesses the enterprise's other applications
    with ws.db.atomic():
        reassess_enterprise(ws, same, "测试")
    case = load_case(ws, "T00011")
    assert case.application.item_text == "主持制定地方标准"
    assert any("宽于“主持制定山东省地方标准”" in flag for flag in case.cap.flags), case.cap.flags
