"""Each checklist requirement opens the file named for it, never one that merely sits in its position."""

from __future__ import annotations

from pathlib import Path

from models.review.evidence_match import evidence_folder_beside, match_requirements

RECOGNITION = ["认定文件", "营业执照", "申请报告"]
TRADEMARK = ["驰名商标行政认定文件", "商标注册证", "营业执照"]
TECH = ["项目备案（核准）文件", "设备购置发票及清单", "设备(含软件)购置合同及付款凭证", "亩产效益评价结果", "营业执照"]


def test_files_named_after_the_requirements_match_in_any_order() -> None:
    files = ["LC2024-004-营业执照.pdf", "LC2024-004-商标注册证.jpg", "LC2024-004-驰名商标行政认定文件.pdf"]
    assert match_requirements(TRADEMARK, files, "LC2024-004") == [2, 1, 0]


def test_a_requirement_no_file_names_is_left_unmatched_not_given_the_next_file() -> None:
    files = ["申请报告-902.pdf", "认定文件.pdf"]
    assert match_requirements(TRADEMARK, files)[1:] == [None, None]  # 商标注册证 is not 申请报告-902.pdf
    assert match_requirements(RECOGNITION, files) == [1, None, 0]
    assert match_requirements(TRADEMARK, ["申请报告-902.pdf", "项目备案.pdf"]) == [None, None, None]


def test_english_file_names_of_the_demo_match_their_requirement() -> None:
    files = ["LC2024-0062-certificate.pdf", "LC2024-0062-photo.png"]
    assert match_requirements(RECOGNITION, files, "LC2024-0062") == [0, None, None]


def test_full_width_brackets_names_without_extension_and_a_longer_name_still_match() -> None:
    files = ["设备(含软件)购置合同及付款凭证", "项目备案(核准)文件.PDF", "营业执照副本.jpg", "亩产效益评价结果.png",
             "设备购置发票及清单"]
    assert match_requirements(TECH, files) == [1, 4, 0, 3, 2]


def test_one_file_answers_one_requirement() -> None:
    assert match_requirements(["营业执照", "营业执照"], ["营业执照.pdf"]) == [0, None]


def test_the_evidence_folder_beside_an_intake_file(tmp_path: Path) -> None:
    intake = tmp_path / "申报.csv"
    intake.write_text("", encoding="utf-8")
    assert evidence_folder_beside(intake) is None
    (tmp_path / "附件").mkdir()
    assert evidence_folder_beside(intake) == tmp_path / "附件"
