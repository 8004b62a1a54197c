"""The sheet's PDF: embedded CJK fonts only, text that extracts, nothing outside the page, marks on every page."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.casefile import load_case
from models.workspace.workspace import Workspace
from sheets.blank_form import render_blank_form
from sheets.content import SheetContent, content_from_case, issue_for
from sheets.flowables import QrFlowable
from sheets.layout import qr_payload, render
from sheets.styles import MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH
from tests.sheets.support import Exported, run_tool

LONG_NAME = "山东省聊城市东昌府区运河经济开发区高新技术产业园新材料与高端纺织服装智能制造研究院集团股份有限公司（聊城市第二分公司）东区"
STANDARD_FONTS = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats", "STSong")


def _fonts(path: Path) -> list[list[str]]:
    lines = run_tool("pdffonts", str(path)).splitlines()[2:]
    return [line.split() for line in lines if line.strip()]


def _body_text(path: Path) -> str:
    """The text inside the body frame of every page, joined (no header, footer or line breaks)."""
    text = run_tool("pdftotext", "-x", "0", "-y", "46", "-W", "596", "-H", "730", str(path), "-")
    return re.sub(r"\s+", "", text)


def _words(path: Path) -> list[tuple[float, float, float, float, str]]:
    html = run_tool("pdftotext", "-bbox", str(path), "-")
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(float(a), float(b), float(c), float(d), text) for a, b, c, d, text in re.findall(pattern, html)]


@pytest.fixture
def content(exported: Exported) -> SheetContent:
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        certificates = dict(ws.db.execute("SELECT name, certificate_pem FROM reviewers").fetchall())
        return content_from_case(load_case(ws, exported.both_stages), certificates)


def _issue(content: SheetContent):
    return issue_for(content, serial="2026-000042", audit_head="f" * 64, exported_at="2026-03-01T10:00:00+08:00",
                     signer="审核员甲", signer_role="初审")


def test_every_font_is_embedded_truetype_and_none_is_a_standard_font(exported: Exported, tmp_path: Path) -> None:
    signed = exported.out / f"{exported.both_stages}.pdf"
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        blank = tmp_path / "blank.pdf"
        blank.write_bytes(render_blank_form(load_case(ws, exported.both_stages)))
    for path in (signed, blank):
        fonts = _fonts(path)
        assert fonts, f"pdffonts found no fonts in {path.name}"
        for row in fonts:
            assert not row[0].startswith(STANDARD_FONTS), row
            assert row[-5] == "yes", f"{path.name}: font {row[0]} is not embedded"
    # The stamp is page content in the page's own font, so pyHanko embeds no font of its own any more.
    assert len({row[0] for row in _fonts(signed)}) == len({row[0] for row in _fonts(blank)})


def test_the_chinese_text_extracts(exported: Exported, content: SheetContent) -> None:
    text = run_tool("pdftotext", str(exported.out / f"{exported.both_stages}.pdf"), "-")
    assert "聊城市产业扶持政策兑现审核表" in text
    assert content.enterprise in text
    assert content.application_id in text
    assert "核定金额（大写）" in text and "人民币" in text
    assert "第1页" in text.replace(" ", "") and "共2页" in text.replace(" ", "")
    assert "审核人签字" in text


def test_a_long_name_and_a_long_trace_wrap_and_stay_on_the_page(content: SheetContent, tmp_path: Path) -> None:
    assert len(LONG_NAME) >= 60
    trace = tuple(f"第{n}步：依据条款“对新认定的企业给予一次性奖励”核算，" + "申报材料载明的投资额与设备购置额均已逐项核对无误；" * 2
                  for n in range(1, 13))
    long = replace(content, enterprise=LONG_NAME, trace=trace, flags=("需人工判断：" + "认定日期早于政策发布日期，" * 6,),
                   demo=False)
    rendered = render(long, _issue(long))
    path = tmp_path / "long.pdf"
    path.write_bytes(rendered.pdf)
    words = _words(path)
    assert words
    for x_min, y_min, x_max, y_max, text in words:
        assert x_min >= MARGIN_X - 1 and x_max <= PAGE_WIDTH - MARGIN_X + 1, (text, x_min, x_max)
        assert y_min >= 0 and y_max <= PAGE_HEIGHT, (text, y_min, y_max)
    flat = _body_text(path)
    assert LONG_NAME in flat, "the long name must be printed whole (wrapped), not cut"
    for n in range(1, 13):
        assert f"第{n}步" in flat
    assert rendered.stamp_box is not None
    x1, y1, x2, y2 = rendered.stamp_box
    assert MARGIN_X <= x1 < x2 <= PAGE_WIDTH - MARGIN_X and 0 < y1 < y2 < PAGE_HEIGHT


def test_a_very_long_trace_continues_on_later_pages_with_numbers(content: SheetContent, tmp_path: Path) -> None:
    trace = tuple(f"测算步骤{n:02d}：" + "依据条款逐项核算申报金额与上限。" * 4 for n in range(1, 61))
    rendered = render(replace(content, trace=trace), _issue(content))
    path = tmp_path / "very-long.pdf"
    path.write_bytes(rendered.pdf)
    assert rendered.pages >= 3
    text = run_tool("pdftotext", str(path), "-").replace(" ", "")
    for page in range(1, rendered.pages + 1):
        assert f"第{page}页" in text
    assert text.count(f"共{rendered.pages}页") == rendered.pages
    assert "测算步骤60" in text
    assert rendered.stamp_page == rendered.pages - 1


def test_demo_sheets_are_marked_on_every_page(content: SheetContent, tmp_path: Path) -> None:
    trace = tuple(f"步骤{n}" + "核算说明。" * 20 for n in range(40))
    rendered = render(replace(content, trace=trace, demo=True), _issue(content))
    path = tmp_path / "demo.pdf"
    path.write_bytes(rendered.pdf)
    for page in range(1, rendered.pages + 1):
        assert "演示数据" in run_tool("pdftotext", "-f", str(page), "-l", str(page), str(path), "-")
    plain = render(replace(content, demo=False), _issue(content))
    path.write_bytes(plain.pdf)
    assert "演示数据" not in run_tool("pdftotext", str(path), "-")


def test_decisions_show_figures_and_uppercase(content: SheetContent, tmp_path: Path) -> None:
    first = replace(content.first, amount_yuan=Decimal("107000.53"), opinion="部分设备发票不符，按核实金额核定。")
    rendered = render(replace(content, first=first), _issue(content))
    path = tmp_path / "amounts.pdf"
    path.write_bytes(rendered.pdf)
    text = run_tool("pdftotext", str(path), "-")
    assert "¥107,000.53 元" in text
    assert "人民币壹拾万柒仟元零伍角叁分" in text
    assert "部分设备发票不符" in text


def test_the_blank_form_has_empty_decision_boxes_and_no_code(exported: Exported, tmp_path: Path) -> None:
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        case = load_case(ws, exported.both_stages)
        pdf = render_blank_form(case)
    path = tmp_path / "blank.pdf"
    path.write_bytes(pdf)
    text = run_tool("pdftotext", str(path), "-")
    assert "空白表" in text and "提交负责人" in text and "单位（盖章）" in text
    assert case.application.enterprise in text and case.item.clause.text[:20] in text.replace("\n", "")
    assert "校验码" not in text
    assert case.first is not None and case.first.opinion not in text
    assert not run_tool("pdfsig", str(path)).count("Signature #")


def test_the_qr_code_carries_the_code() -> None:
    payload = qr_payload("LC2023-0002", "2026-000001", "7K3M-9QXP-2HD4-WA1C")
    assert payload == "REVIEWDESK-SHEET:LC2023-0002:2026-000001:7K3M-9QXP-2HD4-WA1C"
    modules = QrFlowable(payload, 62).modules
    assert len(modules) == len(modules[0]) and len(modules) >= 21


def test_very_long_texts_never_break_the_layout(content: SheetContent, tmp_path: Path) -> None:
    from sheets.content import EvidenceLine

    first = replace(content.first, opinion="经核查，" + "".join(f"第{n:03d}句材料与现场核实一致，" for n in range(300)),
                    override_reason="超上限理由：" + "经负责人同意" * 50)
    evidence = tuple(EvidenceLine(f"附件{n:03d}-" + "设备购置发票扫描件" * 6 + ".pdf", f"{n:012x}", 1024 * n, "pdf")
                     for n in range(80))
    long = replace(content, first=first, evidence=evidence, clause_text=content.clause_text * 6, demo=False)
    rendered = render(long, _issue(long))
    path = tmp_path / "huge.pdf"
    path.write_bytes(rendered.pdf)
    assert rendered.pages >= 4
    for x_min, _, x_max, _, text in _words(path):
        assert x_min >= MARGIN_X - 1 and x_max <= PAGE_WIDTH - MARGIN_X + 1, text
    flat = _body_text(path)
    assert "附件079-" in flat
    assert [int(n) for n in re.findall(r"第(\d{3})句", flat)] == list(range(300)), "every sentence, in order"


def test_no_evidence_and_no_review_yet_still_render(content: SheetContent, tmp_path: Path) -> None:
    rendered = render(replace(content, evidence=(), second=None, flags=(), trace=()), _issue(content))
    path = tmp_path / "sparse.pdf"
    path.write_bytes(rendered.pdf)
    text = run_tool("pdftotext", str(path), "-")
    assert "（无附件）" in text and "尚未作出" in text and "（无测算记录）" in text


def _squares(pdf: bytes) -> list[float]:
    """Sides (points) of the squares drawn with ``re`` on every page."""
    import io as _io

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(_io.BytesIO(pdf))
    sides: list[float] = []
    for page in reader.root["/Pages"]["/Kids"]:
        contents = page.get_object()["/Contents"]
        streams = contents if isinstance(contents, list) else [contents]
        for stream in streams:
            data = stream.get_object().data.decode("latin-1")
            for w, h in re.findall(r"[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+) re", data):
                if abs(float(w) - float(h)) < 0.01:
                    sides.append(float(w))
    return sides


def _page_words(path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """The words of each page with their boxes (pdftotext -bbox), page by page."""
    html = run_tool("pdftotext", "-bbox", str(path), "-")
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [[(float(a), float(b), float(c), float(d), text) for a, b, c, d, text in re.findall(pattern, page)]
            for page in html.split("<page ")[1:]]


def _outcomes_printed(path: Path, stage: str) -> list[str]:
    """The words (body size) right of the ``{stage}结论`` label, down to the amount row below it, in reading order."""
    for words in _page_words(path):
        label = next((w for w in words if w[4] == f"{stage}结论"), None)
        if label is None:
            continue
        below = min(w[1] for w in words if w[4] == "核定金额（小写）" and w[1] > label[1])
        size = label[3] - label[1]  # the demo watermark's big letters are not part of the row
        row = [w for w in words if w[0] > label[2] and label[1] - 3 <= w[1] < below and w[3] - w[1] < 2 * size]
        return [w[4] for w in sorted(row, key=lambda w: (round(w[1]), w[0]))]
    raise AssertionError(f"{stage}结论 is not on the form")


def test_the_blank_form_has_a_box_of_at_least_4_mm_for_every_outcome_of_every_stage(
        exported: Exported, tmp_path: Path) -> None:
    from models.review.terms import STAGE_TABLE

    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        pdf = render_blank_form(load_case(ws, exported.both_stages))
    path = tmp_path / "blank.pdf"
    path.write_bytes(pdf)
    squares = [side for side in _squares(pdf) if side <= 20]  # the form's ruled cells are wider than 20 pt
    assert squares and min(squares) >= 4 * 72 / 25.4, squares
    # one box per outcome the stage table allows, stage by stage: 提交负责人 at 初审 and 复核, the 负责人's own
    assert len(squares) == sum(len(stage.outcomes) for stage in STAGE_TABLE)
    for stage in STAGE_TABLE:
        assert _outcomes_printed(path, stage.name) == list(stage.outcomes), stage.name


def test_the_pdf_carries_its_real_creation_date(content: SheetContent, tmp_path: Path) -> None:
    path = tmp_path / "dated.pdf"
    path.write_bytes(render(content, _issue(content)).pdf)
    info = run_tool("pdfinfo", "-isodates", str(path))
    assert re.search(r"CreationDate:\s+2026-03-01T10:00:00\+08", info), info


def test_a_sheet_exported_by_the_approver_fills_the_approver_block(content: SheetContent, tmp_path: Path) -> None:
    issue = replace(_issue(content), signer="科长丙", signer_role="负责人")
    path = tmp_path / "approver.pdf"
    path.write_bytes(render(content, issue).pdf)
    text = re.sub(r"\s+", "", run_tool("pdftotext", str(path), "-"))
    assert "科长丙（已以数字证书签名" in text and "2026-03-01" in text
    plain = tmp_path / "reviewer.pdf"
    plain.write_bytes(render(content, _issue(content)).pdf)
    assert "已以数字证书签名" not in run_tool("pdftotext", str(plain), "-")


def test_no_command_names_on_paper(exported: Exported) -> None:
    text = run_tool("pdftotext", str(exported.out / f"{exported.both_stages}.pdf"), "-")
    for command in ("reviewdesk", "verify", "点击", "文件.pdf"):
        assert command not in text
