"""``main.py --self-test`` and the bundled sample it checks."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

from cli.selftest import STEPS, SelfTestFailure, run_self_test

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = resources.files("resources").joinpath("samples")
HEADERS = (  # noqa: SIM905 - reads as the CSV header line it is
    "申报编号,企业名称,统一社会信用代码,所属县区,产业,申报事项,认定日期,申报年度,数量,"
    "总投资额(万元),设备购置额(万元),亩产效益评价,上级资助金额(万元),飞地所在地区,绩效评估,"
    "申请金额(万元),附件"
).split(",")


def _sample_rows() -> list[dict[str, str]]:
    raw = SAMPLES.joinpath("sample-applications.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the sample must be UTF-8 with BOM (Excel opens it right)"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _expected() -> dict[str, dict[str, str | None]]:
    return json.loads(SAMPLES.joinpath("sample-applications.expected.json").read_text("utf-8"))["expected"]


def test_sample_has_the_template_headers_and_an_expectation_per_row():
    rows = _sample_rows()
    assert list(rows[0]) == HEADERS
    assert [row["申报编号"] for row in rows] == list(_expected())
    statuses = {want["status"] for want in _expected().values()}
    assert {"eligible", "referral"} <= statuses


def test_sample_credit_codes_are_valid():
    from models.intake.uscc import check_uscc

    for row in _sample_rows():
        code, error, warning = check_uscc(row["统一社会信用代码"])
        assert (error, warning) == (None, None), code


def test_self_test_passes(qapp):
    out = io.StringIO()
    status = run_self_test(out)
    text = out.getvalue()
    assert status == 0, text
    assert f"selftest: {len(STEPS)} passed, 0 failed" in text.splitlines()


def test_a_failing_step_fails_the_self_test_but_the_rest_still_run():
    ran = []

    def wrong() -> str:
        raise SelfTestFailure("结果不符")

    def crash() -> str:
        raise RuntimeError("boom")

    def fine() -> str:
        ran.append(True)
        return "好"

    out = io.StringIO()
    status = run_self_test(out, [("wrong", wrong), ("crash", crash), ("fine", fine)])
    text = out.getvalue()
    assert status == 1
    assert ran == [True]
    assert "wrong ... FAIL: 结果不符" in text
    assert "RuntimeError: boom" in text
    assert "selftest: 1 passed, 2 failed" in text


def test_main_py_self_test_exits_zero():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "main.py", "--self-test"],
        cwd=REPO_ROOT, env=env, capture_output=True, timeout=300,
    )
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0, out + result.stderr.decode("utf-8", "replace")
    assert "selftest:" in out
