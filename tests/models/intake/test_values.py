"""Cell parsers and their bulk (whole-column) forms."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from models.intake.values import (
    Invalid,
    ParsedColumn,
    parse_amount,
    parse_amounts,
    parse_attachments,
    parse_cached_column,
    parse_date,
    parse_grade,
    parse_industry,
    parse_many_attachments,
    parse_performance,
    parse_quantity,
    parse_text_column,
    parse_uscc_column,
    parse_year,
)


@pytest.mark.parametrize("cell, expected", [
    ("2023-09-01", date(2023, 9, 1)),
    ("2023/9/1", date(2023, 9, 1)),
    ("2023.9.1", date(2023, 9, 1)),
    ("2023年9月1日", date(2023, 9, 1)),
    ("２０２３年９月１日", date(2023, 9, 1)),
    ("2023/9/1 0:00", date(2023, 9, 1)),
    ("2023-09-01 00:00:00", date(2023, 9, 1)),
    (" 2023-9-1\u3000", date(2023, 9, 1)),
    (date(2023, 9, 1), date(2023, 9, 1)),
    (datetime(2023, 9, 1, 0, 0), date(2023, 9, 1)),
    ("", None),
    ("  ", None),
])
def test_dates(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize("cell, message", [
    ("2023-02-30", "日期不存在：“2023-02-30”"),
    ("2023/13/1", "日期不存在：“2023/13/1”"),
    ("2023/9/1 8:30", "无法识别的日期“2023/9/1 8:30”"),
    ("2023-9/1", "无法识别的日期“2023-9/1”"),
    ("下个月", "无法识别的日期“下个月”"),
    (45170.0, "是数字 45170 而不是日期"),
])
def test_bad_dates(cell, message):
    result = parse_date(cell)
    assert isinstance(result, Invalid)
    assert result.message.startswith(message)


@pytest.mark.parametrize("cell, yuan", [
    ("1234.56", Decimal("12345600.00")),
    ("1,234.5", Decimal("12345000.00")),
    ("１２３４．５６", Decimal("12345600.00")),
    ("0.000001", Decimal("0.01")),
    ("0", Decimal("0.00")),
    (" 50 ", Decimal("500000.00")),
    (".5", Decimal("5000.00")),
    (1234.56, Decimal("12345600.00")),  # XLSX float: Excel's 15 significant digits
    (0.1 + 0.2, Decimal("3000.00")),
    (60, Decimal("600000.00")),
    (Decimal("0.1"), Decimal("1000.00")),  # JSON number, literal kept exactly
    ("", None),
])
def test_amounts_become_exact_yuan(cell, yuan):
    result = parse_amount(cell)
    assert result == yuan
    if yuan is not None:
        assert str(result) == str(yuan)  # quantised to the 分


@pytest.mark.parametrize("cell, message", [
    ("-5", "金额不能为负数：-5"),
    (-5.0, "金额不能为负数：-5"),
    ("1.1234567", "金额最多保留6位小数"),
    (1.1234567, "金额最多保留6位小数"),
    ("abc", "不是有效的金额“abc”"),
    ("1.2.3", "不是有效的金额“1.2.3”"),
    ("12,34", "不是有效的金额“12,34”"),
    ("1e5", "不是有效的金额“1e5”"),
    ("NaN", "不是有效的金额“NaN”"),
    (date(2023, 1, 1), "应为金额（万元），实为日期 2023-01-01"),
])
def test_bad_amounts(cell, message):
    result = parse_amount(cell)
    assert isinstance(result, Invalid)
    assert result.message.startswith(message)


def test_amount_money_never_goes_through_float_arithmetic():
    assert parse_amount("999999.999999") == Decimal("9999999999.99")


@pytest.mark.parametrize("cell", ["1000000.01", "123456789012.345678", "9" * 1_000_000, 1e300,
                                  Decimal("1e999999999"), "1,000,001"], ids=range(6))
def test_an_amount_past_ten_billion_yuan_is_refused_with_the_limit(cell):
    # 10¹⁰ 元 = 1,000,000 万元 is the limit; a million digits must not raise decimal.Overflow.
    assert parse_amount("1000000") == Decimal("10000000000.00")
    result = parse_amount(cell)
    assert isinstance(result, Invalid)
    assert "超过上限 1000000 万元（10000000000 元）" in result.message


@pytest.mark.parametrize("cell, expected", [
    ("300万元", Decimal("3000000.00")), ("300 万", Decimal("3000000.00")), ("１，２３４．５", Decimal("12345000.00")),
    ("１２３４．５万元", Decimal("12345000.00")),
])
def test_wan_written_inside_the_number_and_full_width_digits(cell, expected):
    assert parse_amount(cell) == expected


def test_a_tiny_amount_is_too_many_decimals_not_zero():
    result = parse_amount(Decimal("1e-999999999"))
    assert isinstance(result, Invalid) and "最多保留6位小数" in result.message


def test_an_amount_in_yuan_says_to_convert():
    result = parse_amount("3000000元")
    assert isinstance(result, Invalid) and "以元计，本列应以万元计" in result.message


@pytest.mark.parametrize("parse, cell, expected", [
    (parse_year, "2024", 2024),
    (parse_year, 2024.0, 2024),
    (parse_year, "２０２４", 2024),
    (parse_year, "", None),
    (parse_quantity, "3", 3),
    (parse_quantity, 3.0, 3),
    (parse_quantity, Decimal("2"), 2),
    (parse_quantity, "", None),
    (parse_grade, "a", "A"),
    (parse_grade, "Ｂ", "B"),
    (parse_grade, " D ", "D"),
    (parse_grade, "", None),
    (parse_performance, "合格", "合格"),
    (parse_performance, "不合格", "不合格"),
    (parse_performance, "", None),
    (parse_industry, " 生物医药 ", "生物医药"),
    (parse_industry, "纺织服装", "纺织服装"),
])
def test_small_columns(parse, cell, expected):
    assert parse(cell) == expected


@pytest.mark.parametrize("parse, cell", [
    (parse_year, "24"), (parse_year, "2024.5"), (parse_year, "二〇二四"),
    (parse_quantity, "0"), (parse_quantity, "-1"), (parse_quantity, 2.5), (parse_quantity, "两"),
    (parse_grade, "E"), (parse_grade, "A类"),
    (parse_performance, "良好"),
    (parse_industry, "新材料"), (parse_industry, "生物"),
])
def test_small_columns_reject(parse, cell):
    assert isinstance(parse(cell), Invalid)


@pytest.mark.parametrize("cell, expected", [
    ("营业执照；申请报告", ("营业执照", "申请报告")),
    ("营业执照;申请报告；", ("营业执照", "申请报告")),
    (" a.pdf ； ；b.pdf ", ("a.pdf", "b.pdf")),
    ("单个文件.pdf", ("单个文件.pdf",)),
    ("", ()),
])
def test_attachments(cell, expected):
    assert parse_attachments(cell) == expected
    assert parse_many_attachments([cell]) == [expected]


def test_bulk_amounts_equal_the_cell_parser():
    cells = [f"{i}.{i % 100:02d}" for i in range(3000)] + ["", "7", "1.", "0.000001"]
    assert parse_amounts(cells) == [parse_amount(c) for c in cells]
    odd = cells + ["1.2.3", "-1", "1.1234567", " 5", "1,000"]
    assert parse_amounts(odd) == [parse_amount(c) for c in odd]


@pytest.mark.parametrize("cells", [
    ["A", "B", "a", "", "E"] * 200,  # few distinct: dict
    [f"{i % 300}" for i in range(1000)],  # some distinct: factorize
    [str(i) for i in range(1000)],  # all distinct
])
def test_cached_column_matches_cell_by_cell(cells):
    for parse in (parse_grade, parse_quantity):
        parsed = parse_cached_column(cells, parse)
        expected = [parse(c) for c in cells]
        assert [None if isinstance(v, Invalid) else v for v in parsed.values] == [
            None if isinstance(v, Invalid) else v for v in expected
        ]
        assert parsed.problems == [(i, v.message) for i, v in enumerate(expected) if isinstance(v, Invalid)]
        assert parsed.has_blank == (None in expected)


def test_cached_column_keeps_mixed_xlsx_cells_apart():
    cells = [1.0, "1", 2, "", date(2023, 1, 1), "x"]
    parsed = parse_cached_column(cells, parse_quantity)
    assert parsed.values[:4] == [1, 1, 2, None]
    assert [i for i, _ in parsed.problems] == [4, 5]


def test_text_column_strips_and_blanks():
    assert parse_text_column([" 东昌府区 ", "", "冠县"] * 10).values[:3] == ["东昌府区", None, "冠县"]
    column = parse_text_column([f"企业{i}" for i in range(100)])
    assert column == ParsedColumn([f"企业{i}" for i in range(100)], [], False)


def test_uscc_column_reports_and_warns(intake):
    good = intake.uscc(1)
    from models.intake.uscc import uscc_check_char

    warned = "91371502MA3C1A2B0"
    warned += uscc_check_char(warned)
    cells = [good, good.lower(), "", "9.13715E+17", warned, 9.13715e17]
    parsed = parse_uscc_column(cells)
    assert parsed.values[:3] == [good, good, None]
    assert [i for i, _ in parsed.problems] == [3, 5]
    assert list(parsed.warnings) == [4]
    assert parsed.has_blank


def test_time_cells_are_not_dates():
    assert isinstance(parse_date(time(8, 30).isoformat()), Invalid)


def test_single_cell_uscc_parser(intake):
    from models.intake.values import parse_uscc

    code = intake.uscc(2)
    assert parse_uscc(f" {code.lower()} ") == code
    assert parse_uscc("") is None
    assert isinstance(parse_uscc(9.13715e17), Invalid)
    assert isinstance(parse_uscc(code[:17] + "?"), Invalid)


def test_year_may_carry_the_character_nian():
    from models.intake.values import parse_year

    assert parse_year("2024年") == 2024
    assert parse_year("２０２４年") == 2024
    assert "实为“年”" in parse_year("年").message


def test_a_typed_minus_zero_is_zero():
    from decimal import Decimal

    from models.intake.values import parse_amount

    assert str(parse_amount("-0")) == "0.00" and parse_amount("-0") == Decimal(0)
