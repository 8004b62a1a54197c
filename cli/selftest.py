"""``main.py --self-test``: a quick end-to-end check of an installed build.

Each step is a small function that returns a one-line detail, or raises.
Steps run in order and all of them run; the exit code is 0 only when every
step passed. Later features add their step to :data:`STEPS`.
"""

from __future__ import annotations

import json
import tempfile
import time
import traceback
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TextIO

from cli import selftest_workflow as workflow

SAMPLE_CSV = "sample-applications.csv"
SAMPLE_EXPECTED = "sample-applications.expected.json"


class SelfTestFailure(Exception):
    """A step found a wrong result (as opposed to crashing)."""


def _samples():
    return resources.files("resources").joinpath("samples")


def step_load_policy() -> str:
    from policy.catalog import load_policy

    policy = load_policy()
    if not policy.items:
        raise SelfTestFailure("政策数据中没有申报事项 no award items in the policy data")
    return f"{policy.document_number}：{len(policy.items)} 个申报事项，{len(policy.clauses)} 条条款"


def step_assess_sample() -> str:
    from models.intake.assessing import assess_file

    samples = _samples()
    expected: dict[str, dict[str, str | None]] = json.loads(
        samples.joinpath(SAMPLE_EXPECTED).read_text(encoding="utf-8")
    )["expected"]
    with tempfile.TemporaryDirectory(prefix="reviewdesk-selftest-") as tmp:
        path = Path(tmp) / SAMPLE_CSV
        path.write_bytes(samples.joinpath(SAMPLE_CSV).read_bytes())
        assessments = assess_file(path)

    got = {a.application_id: a for a in assessments}
    problems: list[str] = []
    for app_id, want in expected.items():
        assessment = got.get(app_id)
        if assessment is None:
            problems.append(f"{app_id}: 没有评估结果 missing")
            continue
        want_cap = None if want["cap_yuan"] is None else Decimal(want["cap_yuan"])
        if assessment.status != want["status"]:
            problems.append(f"{app_id}: status {assessment.status!r}, expected {want['status']!r}")
        if assessment.cap_yuan != want_cap:
            problems.append(f"{app_id}: cap_yuan {assessment.cap_yuan}, expected {want_cap}")
    extra = sorted(set(got) - set(expected))
    if extra:
        problems.append(f"unexpected applications: {', '.join(extra)}")
    if problems:
        raise SelfTestFailure("; ".join(problems))
    return f"{len(expected)} 条示例申报的结论与上限全部符合预期"


def step_template_roundtrip() -> str:
    from models.intake.validate import read_applications
    from models.intake.readers import read_table
    from models.intake.template import write_template

    with tempfile.TemporaryDirectory(prefix="reviewdesk-selftest-") as tmp:
        path = Path(tmp) / "申报模板.xlsx"
        write_template(path)
        if not path.is_file() or path.stat().st_size == 0:
            raise SelfTestFailure("模板文件未生成 template not written")
        size = path.stat().st_size
        applications = read_applications(path)  # must read back without raising
        headers = read_table(path).headers
        sample = Path(tmp) / SAMPLE_CSV
        sample.write_bytes(_samples().joinpath(SAMPLE_CSV).read_bytes())
        sample_headers = read_table(sample).headers
    if applications:
        raise SelfTestFailure(f"空模板读回了 {len(applications)} 条申报 blank template has rows")
    if headers != sample_headers:
        raise SelfTestFailure(f"模板表头与示例文件不一致 template headers differ: {headers}")
    return f"模板 {size} 字节，{len(headers)} 列表头与示例文件一致，读回 0 条申报"


def step_qt_window() -> str:
    """Qt loads, finds a Chinese font and its zh_CN strings, and draws a Chinese label."""
    workflow.offscreen_without_display()
    from gui.qt import QFontDatabase, QLabel, QLibraryInfo, QTranslator

    from gui.app import create_application

    app = create_application()
    translations = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not QTranslator().load("qtbase_zh_CN", translations):
        raise SelfTestFailure(f"找不到 Qt 中文翻译 qtbase_zh_CN.qm（{translations}）")
    chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    if not chinese:
        raise SelfTestFailure("没有可显示简体中文的字体 no Simplified Chinese font found")
    text = "审核台 聊政办发〔2023〕10号"
    label = QLabel(text)
    try:
        if label.grab().isNull():
            raise SelfTestFailure("Qt 无法绘制窗口部件 Qt could not render a widget")
    finally:
        label.deleteLater()
        app.processEvents()
    return f"{app.platformName()}，中文字体 {chinese[0]}，qtbase_zh_CN 已找到"


Step = tuple[str, Callable[[], str]]

STEPS: list[Step] = [
    ("加载政策数据 load policy", step_load_policy),
    ("评估示例申报 assess bundled sample", step_assess_sample),
    ("写出并读回 XLSX 模板 template round-trip", step_template_roundtrip),
    ("Qt 界面与中文 Qt, Chinese font, translation", step_qt_window),
    ("建立临时演示工作区 create a demo workspace", workflow.step_create_demo),
    ("按工作区历史评估文件 assess a file", workflow.step_assess_file),
    ("导入文件 import it", workflow.step_import_file),
    ("初审与复核 decide at both stages", workflow.step_decide_both_stages),
    ("导出并核验签名审核表 export and verify a signed sheet", workflow.step_export_and_verify_sheet),
    ("备份与恢复 backup and restore", workflow.step_backup_and_restore),
    ("打开并关闭主窗口 open and close the main window", workflow.step_main_window),
]


def run_self_test(out: TextIO, steps: list[Step] | None = None) -> int:
    """Run every step, print one line each; 0 when all passed, 1 otherwise."""
    steps = STEPS if steps is None else steps
    print("审核台 ReviewDesk 自检 self-test", file=out)
    failed = 0
    try:
        failed = _run_steps(steps, out)
    finally:
        workflow.Scratch.remove()
    passed = len(steps) - failed
    print(f"自检结果 result: {'OK' if failed == 0 else 'FAIL'}", file=out)
    print(f"selftest: {passed} passed, {failed} failed", file=out)
    return 0 if failed == 0 else 1


def _run_steps(steps: list[Step], out: TextIO) -> int:
    failed = 0
    for number, (title, step) in enumerate(steps, start=1):
        started = time.perf_counter()
        try:
            detail = step()
        except SelfTestFailure as exc:
            failed += 1
            print(f"[{number}/{len(steps)}] {title} ... FAIL: {exc}", file=out)
        except Exception as exc:  # noqa: BLE001 - report any crash as a failed step
            failed += 1
            print(f"[{number}/{len(steps)}] {title} ... FAIL: {type(exc).__name__}: {exc}", file=out)
            print("".join(traceback.format_exc()).rstrip(), file=out)
        else:
            took = time.perf_counter() - started
            print(f"[{number}/{len(steps)}] {title} ... OK ({detail}; {took:.2f} s)", file=out)
        out.flush()
    return failed
