"""What an error means: its message for the person, its exit code, and whether it is logged as a bug."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from models import failures
from models.failures import EXIT_FAILED, EXIT_USAGE, exit_code, is_expected, message_for
from models.intake.problems import ImportRejected, Problem, UnreadableFile
from models.review.decisions import DecisionRefused
from models.signing.keys import PassphraseError
from policy.catalog import PolicyDataError
from policy.failures import ReviewDeskError
from policy.versions import NoPolicyVersion


def test_the_root_is_one_class_wherever_it_is_imported_from() -> None:
    assert failures.ReviewDeskError is ReviewDeskError
    for error in (ImportRejected("a.csv", []), PolicyDataError(["items.toml: 缺少 clause"]),
                  NoPolicyVersion("没有适用于 2022 年度申报的政策版本"), DecisionRefused("不能作出初审决定")):
        assert isinstance(error, ReviewDeskError) and is_expected(error)


def test_a_rejected_or_unreadable_file_exits_2_any_other_refusal_1() -> None:
    assert exit_code(ImportRejected("a.csv", [Problem(2, "企业名称", "不能为空")])) == EXIT_USAGE == 2
    assert exit_code(UnreadableFile("a.csv", "不是文件")) == EXIT_USAGE
    assert exit_code(DecisionRefused("口令错误")) == EXIT_FAILED == 1
    assert exit_code(PolicyDataError(["x"])) == EXIT_FAILED
    assert exit_code(ZeroDivisionError("division by zero")) == EXIT_FAILED


def test_a_command_may_count_more_errors_as_bad_input() -> None:
    refused = PassphraseError("口令文件不存在：/x")
    assert exit_code(refused) == EXIT_FAILED
    assert exit_code(refused, bad_input=(PassphraseError,)) == EXIT_USAGE


def test_a_domain_error_reads_as_its_own_words() -> None:
    rejected = ImportRejected("申报.csv", [Problem(3, "申请金额(万元)", "不能为负数")])
    assert message_for(rejected) == "文件 申报.csv 未导入，共 1 处问题\n第3行 申请金额(万元): 不能为负数"
    assert message_for(PolicyDataError(["items.toml: 数值 50 未见于原文"])).startswith("政策数据有误：\nitems.toml")


def test_a_bug_is_logged_with_its_traceback_and_told_in_one_line(tmp_path: Path) -> None:
    log_file = tmp_path / "reviewdesk.log"
    failures.log_to(log_file)
    try:
        try:
            {}["缺少的键"]
        except KeyError as error:
            bug = error
        failures.log_unexpected(bug)
        failures.log_unexpected(DecisionRefused("口令错误"))
        for handler in logging.getLogger(failures.LOGGER_NAME).handlers:
            handler.flush()
        told = message_for(bug)
    finally:
        failures.stop_logging()
    assert told == f"发生意外错误：KeyError: '缺少的键'\n详细信息已写入日志：{log_file}"
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback" in logged and "KeyError: '缺少的键'" in logged
    assert "口令错误" not in logged
    assert failures.log_file() is None


@pytest.mark.parametrize("error", [ValueError("x"), RuntimeError("y")])
def test_without_a_log_file_a_bug_still_reads_as_one_chinese_line(error: Exception) -> None:
    assert message_for(error) == f"发生意外错误：{type(error).__name__}: {error}"
