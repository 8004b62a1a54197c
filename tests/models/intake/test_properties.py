"""Property-based tests: every input either imports or is rejected naming the cell; nothing escapes.

Short in ``make test``; ``make fuzz`` runs the same properties with many more examples
(HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import csv
import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.intake.columns import HEADERS
from models.exports.copy_out import FORMULA_LEADS, neutralise, tsv_cell
from models.intake.problems import ImportRejected, UnreadableFile
from models.intake.validate import applications_from_table, read_applications
from models.limits import EARLIEST_DATE, MAX_AMOUNT_YUAN, latest_date
from models.intake.readers import RawTable
from models.intake.values import FEN, Invalid, parse_amount, parse_date, parse_recognition_date, parse_text, parse_uscc
from policy.catalog import load_policy

settings.register_profile("default", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

POLICY = load_policy()
# Text as intake files hold it: digits, punctuation, CJK, full-width forms, controls and invisibles.
CELL_TEXT = st.text(st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from("0123456789.,-+万元年月日/ \t\n\u3000\u200b\ufeff\x00\x85０１２３４５６７８９．，"),
), max_size=30)
CELLS = st.one_of(CELL_TEXT, st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True),
                  st.decimals(allow_nan=True, allow_infinity=True), st.dates())


@given(CELLS)
def test_an_amount_is_exact_yuan_within_the_limit_or_says_why(cell):
    result = parse_amount(cell)
    if isinstance(result, Invalid):
        assert result.message and len(result.message) < 300
    elif result is not None:
        assert isinstance(result, Decimal)
        assert Decimal(0) <= result <= MAX_AMOUNT_YUAN
        assert result == result.quantize(FEN)


@given(st.decimals(min_value=0, max_value=1_000_000, places=6, allow_nan=False, allow_infinity=False))
def test_an_amount_in_wan_reads_back_exactly(wan: Decimal):
    assert parse_amount(str(wan)) == (wan * 10000).quantize(FEN)
    assert parse_amount(f"{wan}万元") == (wan * 10000).quantize(FEN)


@given(CELLS)
def test_a_recognition_date_is_within_range_or_says_why(cell):
    result = parse_recognition_date(cell)
    if isinstance(result, date):
        assert EARLIEST_DATE <= result <= latest_date()
    else:
        assert result is None or (isinstance(result, Invalid) and result.message)


@given(st.dates(min_value=EARLIEST_DATE, max_value=date(2030, 12, 31)))
def test_a_date_reads_back_in_every_written_form(day: date):
    for written in (day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}.{day.month}.{day.day}",
                    f"{day.year}年{day.month}月{day.day}日"):
        assert parse_date(written) == day


@given(CELLS)
def test_codes_and_names_never_raise(cell):
    for parse in (parse_uscc, parse_text):
        result = parse(cell)
        assert result is None or isinstance(result, (str, Invalid))


def _valid_row(n: int) -> dict[str, str]:
    from tests.workspace_support import intake_row

    return intake_row(n)


@given(st.lists(st.dictionaries(st.sampled_from(HEADERS), CELL_TEXT, max_size=5), min_size=1, max_size=4))
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_every_table_imports_or_is_rejected_naming_the_cell(changes):
    rows = [{**_valid_row(n), **change} for n, change in enumerate(changes, start=1)]
    table = RawTable(list(HEADERS), [[row[h] for row in rows] for h in HEADERS], list(range(2, 2 + len(rows))))
    try:
        applications = applications_from_table(table, POLICY, "随机.csv")
    except ImportRejected as rejected:
        assert rejected.problems
        for problem in rejected.problems:
            assert problem.row >= 1 and problem.column and problem.message
        return
    assert len(applications) <= len(rows)
    for app in applications:
        assert "\x00" not in app.enterprise and "\u200b" not in app.application_id


@given(st.lists(st.lists(CELL_TEXT, min_size=len(HEADERS), max_size=len(HEADERS)), max_size=3),
       st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_every_csv_file_imports_or_is_rejected_with_a_message(rows, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "随机.csv"
        try:
            with path.open("w", encoding=encoding, newline="", errors="strict") as out:
                writer = csv.writer(out)
                writer.writerow(HEADERS)
                writer.writerows(rows)
        except UnicodeEncodeError:
            return  # not a file Excel could write in that encoding
        try:
            read_applications(path, POLICY)
        except UnreadableFile as unreadable:
            assert unreadable.reason
        except ImportRejected as rejected:
            assert all(problem.row >= 1 and problem.column for problem in rejected.problems)


@given(st.text())
def test_copied_text_never_starts_a_formula(text: str):
    assert not neutralise(text).startswith(FORMULA_LEADS)
    assert neutralise(text).removeprefix("'") == text or neutralise(text) == text
    cell = tsv_cell(text)
    assert "\t" not in cell and "\n" not in cell and not cell.startswith(FORMULA_LEADS)
