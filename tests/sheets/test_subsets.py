"""The sheets' fixed wording shares one embedded font subset, built once, and every sheet still prints its own text."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfbase import pdfmetrics

from models.review.casefile import load_case
from models.workspace.workspace import Workspace
from sheets.content import SheetContent, content_from_case, issue_for
from sheets.layout import render
from sheets.styles import styles
from sheets.subsets import FIXED_WORDING, assign_fixed_wording
from tests.sheets.support import Exported, run_tool


def _content(exported: Exported) -> SheetContent:
    with Workspace.open(exported.workspace, create=False) as ws:
        certificates = dict(ws.db.execute("SELECT name, certificate_pem FROM reviewers").fetchall())
        return content_from_case(load_case(ws, exported.both_stages), certificates)


def _sheet(content: SheetContent) -> bytes:
    issue = issue_for(content, serial="2026-000042", audit_head="f" * 64, exported_at="2026-03-01T10:00:00+08:00",
                      signer="审核员甲", signer_role="初审", signer_organization="聊城市工业和信息化局")
    return render(content, issue).pdf


def _font_programs(pdf: bytes) -> dict[str, bytes]:
    """Each embedded subset's font program by its name (``AAAAAA+`` and the font's name)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    programs: dict[str, bytes] = {}
    for page_ref in reader.root["/Pages"]["/Kids"]:
        fonts = page_ref.get_object()["/Resources"].get_object()["/Font"].get_object()
        for font_ref in fonts.values():
            font = font_ref.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            programs[str(font["/BaseFont"])] = descriptor["/FontFile2"].get_object().data
    return programs


class _Document:
    """Stands for the PDF document reportlab keys a font's subsets by."""


def _main_font_subsets(programs: dict[str, bytes], main: str) -> list[bytes]:
    """The main font's subset programs in subset order (reportlab tags them AAAAAA+, AAAAAB+ …)."""
    face = pdfmetrics.getFont(main).face
    suffix = (face.name + face.subfontNameX).decode("latin-1")
    return [data for name, data in sorted(programs.items()) if name.endswith(suffix)]


def test_the_fixed_wording_fills_exactly_the_first_subset() -> None:
    font = pdfmetrics.getFont(styles().font)
    document = _Document()
    assign_fixed_wording(document, font.fontName)
    state = font.state[document]
    assert len(state.subsets) == 1, "the fixed wording overflows the first subset"
    assert {ord(char) for char in FIXED_WORDING} <= set(state.subsets[0])
    assert 250 <= len(state.subsets[0]) <= 256, "room left in the first subset: add wording every sheet prints"


def test_two_different_sheets_embed_the_same_first_subset_and_their_own_others(
        exported: Exported, tmp_path: Path) -> None:
    content = _content(exported)
    other = replace(content, enterprise="聊城市茌平区鲁西纺织印染有限责任公司", application_id="LC2099-0001",
                    trace=("按设备购置额的百分之十计算，最高不超过二百万元。",))
    main = styles().chain.primary
    first, second = (_main_font_subsets(_font_programs(_sheet(c)), main) for c in (content, other))
    assert len(first) >= 2 and len(second) >= 2
    assert first[0] == second[0], "the first subset differs between sheets"
    assert first[1] != second[1], "the sheets' own characters are not in a subset of their own"
    for pdf, shown in ((_sheet(content), content), (_sheet(other), other)):
        path = tmp_path / "sheet.pdf"
        path.write_bytes(pdf)
        text = re.sub(r"\s+", "", run_tool("pdftotext", str(path), "-"))
        assert shown.enterprise in text and shown.application_id in text and "聊城市产业扶持政策兑现审核表" in text


class _Document:
    """Stands for a reportlab document: the font keeps its state per document, weakly."""


def test_the_quick_split_gives_reportlabs_codes_and_chunks_for_text_old_and_new() -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    font = pdfmetrics.getFont(styles(None).font)
    assert getattr(font, "_reviewdesk_split", False), "styles() gives the sheets' font the quick split"
    texts = [FIXED_WORDING[:40], "申报编号 LC2023-0002", "聊城𠮷祥堃犇䶮生物科技有限公司", "no\xa0break", "",
             "ABC abc 123 ¥300,000.00", FIXED_WORDING, "第三条（二）3", "嘉" * 300, "".join(map(chr, range(0x4E00, 0x5200)))]
    quick_doc, plain_doc = _Document(), _Document()
    for doc in (quick_doc, plain_doc):
        assign_fixed_wording(doc, font.fontName)
    for text in texts + texts:  # the second time round every character is assigned already
        assert font.splitString(text, quick_doc) == TTFont.splitString(font, text, plain_doc), text
    assert font.state[quick_doc].assignments == font.state[plain_doc].assignments
    assert font.state[quick_doc].subsets == font.state[plain_doc].subsets
    assert len(font.state[quick_doc].subsets) > 2, "the text ran over several subsets"
    for doc in (quick_doc, plain_doc):
        del font.state[doc]
