"""read_applications: every format, all-or-nothing, every problem with its row and column."""

from __future__ import annotations

import dataclasses
import gc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from models.intake.columns import HEADERS
from models.intake.problems import ImportRejected, Problem, UnreadableFile
from models.intake.validate import BUILT_FIELDS, build_applications, read_applications
from models.intake.uscc import uscc_check_char
from policy.application import Application
from policy.catalog import load_policy


def _reject(path: Path, policy) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        read_applications(path, policy)
    return caught.value


def test_utf8_csv(intake, policy):
    apps = read_applications(intake.csv("a.csv", [intake.row(1), intake.row(2)]), policy)
    first = apps[0]
    assert first == Application(
        application_id="LC2024-001", enterprise="聊城第1纺织有限公司", uscc=intake.uscc(1),
        industry="纺织服装", item_id="tex-tech-transform", county="东昌府区",
        recognised_on=date(2023, 9, 1), application_year=2024, quantity=None,
        total_investment_yuan=Decimal("8000000.00"), equipment_yuan=Decimal("6000000.00"),
        land_efficiency="A", superior_funding_yuan=None, enclave_region=None, performance=None,
        requested_yuan=Decimal("600000.00"), attachments=("项目备案文件", "设备发票"), row=2,
    )
    assert [a.row for a in apps] == [2, 3]


def test_utf8_bom_csv(intake, policy):
    apps = read_applications(intake.csv("bom.csv", [intake.row(1)], bom=True), policy)
    assert apps[0].application_id == "LC2024-001"
    assert (intake.folder / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_gb18030_csv_as_excel_writes_it(intake, policy):
    rows = [intake.row(1, 认定日期="2023/9/1"), intake.row(2, 认定日期="2023/10/8 0:00"),
            intake.row(3, 申报事项="国家级“专精特新”企业", 产业="生物医药", 认定日期="2023年9月15日")]
    path = intake.csv("gbk.csv", rows, encoding="gb18030")
    apps = read_applications(path, policy)
    assert [a.recognised_on for a in apps] == [date(2023, 9, 1), date(2023, 10, 8), date(2023, 9, 15)]
    assert apps[2].item_id == "bio-zjtx-national"
    assert apps[0].enterprise == "聊城第1纺织有限公司"


def test_xlsx_with_numbers_and_dates(intake, policy):
    rows = [
        intake.row(1, 申报编号="007", 认定日期=date(2023, 9, 1), 申报年度=2024.0, 数量=3.0,
                   总投资额=1234.56, 设备购置额=1000, 申请金额=Decimal("60.5")),
        intake.row(2, 申报编号=123.0),
    ]
    apps = read_applications(intake.xlsx("a.xlsx", rows), policy)
    assert apps[0].application_id == "007"  # text cell keeps its leading zeros
    assert apps[0].recognised_on == date(2023, 9, 1)
    assert (apps[0].application_year, apps[0].quantity) == (2024, 3)
    assert apps[0].total_investment_yuan == Decimal("12345600.00")
    assert str(apps[0].total_investment_yuan) == "12345600.00"
    assert apps[0].equipment_yuan == Decimal("10000000.00")
    assert apps[0].requested_yuan == Decimal("605000.00")
    assert apps[1].application_id == "123"


def test_json_numbers_and_strings(intake, policy):
    path = intake.folder / "a.json"
    row = intake.row(1)
    row.update({"申请金额(万元)": "__AMOUNT__", "数量": 2, "申报年度": 2024,
                "附件": ["认定文件", "营业执照"], "总投资额(万元)": "1,234.5"})
    text = intake.json("a.json", [row]).read_text(encoding="utf-8")
    path.write_text(text.replace('"__AMOUNT__"', "0.1"), encoding="utf-8")
    app = read_applications(path, policy)[0]
    assert app.requested_yuan == Decimal("1000.00")  # 0.1 read as its literal, not a float
    assert app.total_investment_yuan == Decimal("12345000.00")
    assert (app.quantity, app.application_year) == (2, 2024)
    assert app.attachments == ("认定文件", "营业执照")
    assert app.row == 2


def test_headers_are_matched_loosely_and_extra_columns_ignored(intake, policy):
    headers = ["序号", *[h.replace("(", "（").replace(")", "）") for h in HEADERS], "备注"]
    headers[2] = " 企业 名称\u3000"
    rows = [{("序号" if h == "序号" else h): v for h, v in zip(headers[1:-1], intake.row(1).values())}]
    rows[0]["序号"] = "1"
    rows[0]["备注"] = "加急"
    app = read_applications(intake.csv("a.csv", rows, headers=headers), policy)[0]
    assert app.enterprise == "聊城第1纺织有限公司"
    assert app.total_investment_yuan == Decimal("8000000.00")


def test_optional_columns_may_be_missing(intake, policy):
    headers = ["申报编号", "企业名称", "统一社会信用代码", "产业", "申报事项"]
    app = read_applications(intake.csv("a.csv", [intake.row(1)], headers=headers), policy)[0]
    assert (app.county, app.recognised_on, app.requested_yuan, app.attachments) == ("", None, None, ())


def test_rows_with_only_a_serial_number_are_not_applications(intake, policy):
    rows = [intake.row(1), {"序号": "2"}, intake.row(3)]
    apps = read_applications(intake.csv("a.csv", rows, headers=["序号", *HEADERS]), policy)
    assert [a.row for a in apps] == [2, 4]


def test_missing_required_columns_are_one_error_each(intake, policy):
    headers = [h for h in HEADERS if h not in ("企业名称", "申报事项")]
    rejected = _reject(intake.csv("a.csv", [intake.row(1)], headers=headers), policy)
    assert rejected.lines() == [
        "文件 a.csv 未导入，共 2 处问题",
        "第1行 企业名称: 缺少必填列",
        "第1行 申报事项: 缺少必填列",
    ]


def test_every_problem_is_reported_at_once(intake, policy):
    bad_check = intake.uscc(4)[:17] + ("0" if intake.uscc(4)[17] != "0" else "1")
    rows = [
        intake.row(1),
        intake.row(2, 统一社会信用代码=bad_check),
        intake.row(3, 申请金额="-5"),
        intake.row(4, 申报编号="LC2024-001"),
        intake.row(5, 申报事项="国家专精特新"),
        intake.row(6, 认定日期="2023-02-30"),
        intake.row(7, 统一社会信用代码="9.13715E+17", 企业名称=""),
    ]
    rejected = _reject(intake.csv("申报.csv", rows), policy)
    assert rejected.file_name == "申报.csv"
    assert rejected.lines() == [
        "文件 申报.csv 未导入，共 7 处问题",
        f"第3行 统一社会信用代码: 校验位错误：{bad_check} 的第18位应为“{intake.uscc(4)[17]}”",
        "第4行 申请金额(万元): 金额不能为负数：-5",
        "第5行 申报编号: 申报编号“LC2024-001”与第2行重复",
        "第6行 申报事项: 未知的申报事项“国家专精特新”，是否为："
        f"{'、'.join(policy.suggest_items('国家专精特新', n=3))}？",
        "第7行 认定日期: 日期不存在：“2023-02-30”",
        "第8行 企业名称: 必填，不能为空",
        "第8行 统一社会信用代码: 统一社会信用代码被当成了数字（Excel 会转成科学计数法并丢掉末几位），"
        "原代码已无法还原；请把该列设置为“文本”格式后重新填写",
    ]
    assert "国家级专精特新企业" in rejected.lines()[4]
    assert str(rejected) == "\n".join(rejected.lines())
    assert rejected.problems[0] == Problem(3, "统一社会信用代码", rejected.lines()[1].split(": ", 1)[1])


def test_xlsx_formula_cell_and_numeric_code_are_rejected(intake, policy):
    Formula = intake.formula
    rows = [
        intake.row(1, 申请金额=Formula("=10*6", 60)),
        intake.row(2, 统一社会信用代码=913715020000000000.0),
        intake.row(3, 认定日期="2023-9-1"),
    ]
    headers = ["序号", *HEADERS]
    for number, row in enumerate(rows, start=1):
        row["序号"] = Formula("=ROW()-1", number)  # formulas in ignored columns are harmless
    rejected = _reject(intake.xlsx("a.xlsx", rows, headers=headers), policy)
    assert rejected.lines()[1:] == [
        "第2行 申请金额(万元): 单元格含公式，请粘贴为数值后再导入",
        "第3行 统一社会信用代码: 统一社会信用代码被当成了数字（Excel 会转成科学计数法并丢掉末几位），"
        "原代码已无法还原；请把该列设置为“文本”格式后重新填写",
    ]


def test_other_industry_and_grade_and_performance_problems(intake, policy):
    rows = [intake.row(1, 产业="纺织", 亩产效益评价="E", 绩效评估="良好", 数量="0", 申报年度="24")]
    lines = _reject(intake.csv("a.csv", rows), policy).lines()
    assert lines[1:] == [
        "第2行 产业: 应为“生物医药”或“纺织服装”，实为“纺织”",
        "第2行 申报年度: 应为四位年份，如 2024，实为“24”",
        "第2行 数量: 应为正整数（至少为1），实为“0”",
        "第2行 亩产效益评价: 应为 A、B、C、D 之一或留空，实为“E”",
        "第2行 绩效评估: 应为“合格”或“不合格”或留空，实为“良好”",
    ]


def test_duplicates_name_the_first_row(intake, policy):
    rows = [intake.row(1), intake.row(2), intake.row(3, 申报编号="LC2024-002"), intake.row(4, 申报编号="LC2024-002")]
    lines = _reject(intake.csv("a.csv", rows), policy).lines()
    assert lines[1:] == ["第4行 申报编号: 申报编号“LC2024-002”与第3行重复",
                         "第5行 申报编号: 申报编号“LC2024-002”与第3行重复"]


def test_org_code_failure_is_a_warning_not_an_error(intake, policy):
    first17 = "91371502MA3C1A2B0"
    code = first17 + uscc_check_char(first17)
    apps = read_applications(intake.csv("a.csv", [intake.row(1), intake.row(2, 统一社会信用代码=code)]), policy)
    assert apps[0].warnings == ()
    assert apps[1].uscc == code
    assert apps[1].warnings == (f"统一社会信用代码 {code} 内含的组织机构代码 MA3C1A2B0 校验位应为“9”，请核实",)


def test_policy_defaults_to_the_loaded_one(intake):
    assert read_applications(intake.csv("a.csv", [intake.row(1)]))[0].item_id == "tex-tech-transform"
    assert load_policy() is load_policy()


def test_unreadable_file(tmp_path: Path, policy):
    with pytest.raises(UnreadableFile) as caught:
        read_applications(tmp_path / "无.csv", policy)
    assert isinstance(caught.value, ImportRejected)
    assert str(caught.value) == "文件 无.csv 无法读取：找不到该文件"


def test_header_only_file_has_no_applications(intake, policy):
    assert read_applications(intake.csv("a.csv", []), policy) == []


def test_bundled_sample_reads(policy):
    sample = Path(__file__).resolve().parents[3] / "resources" / "samples" / "sample-applications.csv"
    apps = read_applications(sample, policy)
    assert len(apps) == 8
    assert all(a.warnings == () for a in apps)


def test_collector_state_is_restored(intake, policy):
    path = intake.csv("a.csv", [intake.row(1)])
    read_applications(path, policy)
    assert gc.isenabled()
    gc.disable()
    try:
        read_applications(path, policy)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_building_fills_every_field_in_order():
    assert tuple(f.name for f in dataclasses.fields(Application)) == BUILT_FIELDS + ("warnings", "row", "item_text")
    values = {name: [f"{name}-{i}" for i in range(3)] for name in BUILT_FIELDS}
    built = build_applications(values, [2, 3, 4])
    for index, app in enumerate(built):
        assert app == Application(**{name: column[index] for name, column in values.items()}, row=index + 2)


def test_a_column_given_twice_is_a_problem(intake, policy):
    headers = [*HEADERS, "申请金额（万元）"]
    rows = [{**intake.row(1)}]
    lines = _reject(intake.csv("a.csv", rows, headers=headers), policy).lines()
    assert lines[1:] == ["第1行 申请金额(万元): 该列在表头中出现了不止一次（P列和R列）"]


def test_json_nulls_are_blanks(intake, policy):
    row = {**intake.row(1), "企业名称": None, "申请金额(万元)": None}
    path = intake.folder / "a.json"
    import json

    path.write_text(json.dumps([row], ensure_ascii=False), encoding="utf-8")
    lines = _reject(path, policy).lines()
    assert lines[1:] == ["第2行 企业名称: 必填，不能为空"]


def test_problems_in_many_rows_keep_file_order(intake, policy):
    rows = [intake.row(n, 申请金额="-1" if n % 2 else "1") for n in range(1, 2001)]
    rejected = _reject(intake.csv("a.csv", rows), policy)
    assert len(rejected.problems) == 1000
    assert [p.row for p in rejected.problems] == list(range(2, 2002, 2))


def test_generated_intake_file_reads_back_exactly(tmp_path: Path, policy):
    """Every award item, by canonical name and by alias, in a GB18030 CSV."""
    from bench.generate import records, to_application, write_csv

    generated = list(records(policy, 3000))
    path = write_csv(tmp_path / "generated.csv", generated, encoding="gb18030")
    expected = [to_application(record, row) for row, record in enumerate(generated, start=2)]
    assert read_applications(path, policy) == expected
