"""The engine's history of an enterprise carries each approval's 申报年度, so the 单户 ceiling can ask about other years."""

from __future__ import annotations

from pathlib import Path

from models.review.history import WorkspaceHistory
from models.workspace.records import assessment
from tests.workspace_support import approve_both_stages, import_as, intake_row, staffed_workspace, valid_uscc, write_csv


def _upgrade(n: int, year: str) -> dict[str, str]:
    return intake_row(n, 统一社会信用代码=valid_uscc(7), 产业="纺织服装", 申报事项="技术改造项目", 认定日期="",
                      申报年度=year, **{"总投资额(万元)": "2500", "设备购置额(万元)": "2000", "亩产效益评价": "A",
                                        "申请金额(万元)": "200"})


def test_an_approval_of_another_year_is_known_with_its_year_and_flags_the_ceiling(tmp_path: Path) -> None:
    ws = staffed_workspace(tmp_path / "ws")
    import_as(ws, write_csv(tmp_path / "2023.csv", [_upgrade(1, "2023")]))
    approve_both_stages(ws, "T00001", "2000000")
    [award] = WorkspaceHistory(ws.db).approved_awards(valid_uscc(7))
    assert (award.application_id, award.application_year, award.approved_yuan) == ("T00001", 2023, 2000000)

    import_as(ws, write_csv(tmp_path / "2024.csv", [_upgrade(2, "2024")]))
    later = assessment(ws.db, "T00002")
    assert later is not None
    assert later.status == "needs_review", later
    assert "已占用的单户额度含其他申报年度的核准（申报编号 T00001，2023年度，200.00万元）" in later.flags, later.flags

    import_as(ws, write_csv(tmp_path / "again.csv", [_upgrade(3, "2023")]))
    same_year = assessment(ws.db, "T00003")
    assert same_year is not None and same_year.status == "ineligible", same_year
    ws.close()
