"""The shortcuts that make a sheet cheaper to render (``sheets.direct_text``, ``ruled.WrappedOnce``,
``sheets.subset_maker``, the kept width arrays of ``sheets.subsets``, the cell style class of ``ruled.Section``, the QR
code's runs written at once) write the very file reportlab's own paths write: the same bytes, so the same pixels."""

from __future__ import annotations

import random
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray
from reportlab.pdfbase.ttfonts import TTFontFile
from reportlab.pdfgen.canvas import Canvas
from reportlab.lib import colors
from reportlab.platypus import Paragraph, Table

from models.workspace.workspace import Workspace
from sheets import pdf_objects, ruled, subsets
from sheets.batch import _contents, decided_ids
from sheets.content import SheetContent, SheetIssue, issue_for, preview_issue
from sheets.direct_text import DirectTextCanvas
from sheets.flowables import QrFlowable
from sheets.glyphs import chain_for
from sheets.layout import render
from sheets.ruled import BOTTOM_PAD, FRAME, RULE, TOP_PAD, Section, WrappedOnce
from sheets.styles import BODY_LEADING, BODY_SIZE, PAD, styles
from tests.sheets.support import FIRST_REVIEWER, tool

RARE_NAME = "聊城𠮷祥堃犇䶮生物科技有限公司"
AT = "2026-01-05T09:30:00+08:00"


def _cases(folder: Path) -> list[tuple[str, SheetContent, SheetIssue | None]]:
    """Every decided demo application's sheet, and a rare-character, a long, a preview and a blank one."""
    with Workspace.open(folder, create=False, lock=False) as ws:
        contents, failed = _contents(ws, decided_ids(ws))
    assert contents and not failed

    def issued(content: SheetContent, n: int) -> SheetIssue:
        return issue_for(content, serial=f"TEST-2026-{n:06d}", audit_head=f"{n:064x}", exported_at=AT,
                         signer=FIRST_REVIEWER, signer_role="初审", signer_organization="聊城市工业和信息化局")

    cases: list[tuple[str, SheetContent, SheetIssue | None]] = [
        (content.application_id, content, issued(content, n)) for n, content in enumerate(contents, start=1)]
    rare = replace(contents[0], enterprise=RARE_NAME)
    long = replace(contents[1], clause_text="，".join([contents[1].clause_text] * 12))
    cases += [("rare", rare, issued(rare, 900)), ("long", long, issued(long, 901)),
              ("preview", contents[2], preview_issue(FIRST_REVIEWER, "初审", "聊城市工业和信息化局", AT)),
              ("blank", contents[3], None)]
    return cases


def _built_with_commands(section: Section) -> Table:
    """``Section.build`` as it was: the cells' font, alignment and padding set by commands, cell by cell."""
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), section.s.font, BODY_SIZE, BODY_LEADING), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), TOP_PAD), ("BOTTOMPADDING", (0, 0), (-1, -1), BOTTOM_PAD),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("LINEAFTER", (0, 0), (-2, -1), RULE, colors.black), ("BOX", (0, 0), (-1, -1), FRAME, colors.black),
        ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), FRAME, colors.black),
        ("LINEABOVE", (0, "splitfirst"), (-1, "splitfirst"), FRAME, colors.black),
    ]
    style += [("LINEBELOW", (start, r), (-1, r), RULE, colors.black)
              for r, start in enumerate(section.rules) if start is not None]
    centred = [("ALIGN", (c, first), (c, last), "CENTER") for c, first, last in section.centred]
    return Table(section.rows, colWidths=section.widths, rowHeights=section.heights, repeatRows=section.repeat,
                 style=style + centred + section.commands)


def _qr_drawn_by_rects(self: QrFlowable) -> None:
    """``QrFlowable.draw`` as it was: one ``canvas.rect`` call a run of dark modules."""
    count = len(self.modules)
    box = self.width / (count + 2 * self.border)
    for r, row in enumerate(self.modules):
        y = self.height - (r + self.border + 1) * box
        c = 0
        while c < count:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < count and row[c]:
                c += 1
            self.canv.rect((start + self.border) * box, y, (c - start) * box, box * 1.04, stroke=0, fill=1)


class _Forgetful(dict[Any, Any]):
    """A map that keeps nothing."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


def _reportlab_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shortcut off: reportlab's own text objects, line breaking on each wrap, subset maker, width arrays,
    cell styles set by commands, and the QR code's runs drawn one ``rect`` at a time."""
    monkeypatch.setattr(QrFlowable, "draw", _qr_drawn_by_rects)
    for name in ("drawString", "drawCentredString", "drawRightString"):
        monkeypatch.setattr(DirectTextCanvas, name, getattr(Canvas, name))
    monkeypatch.setattr(WrappedOnce, "wrap", Paragraph.wrap)
    monkeypatch.setattr(WrappedOnce, "drawPara", Paragraph.drawPara)
    monkeypatch.setattr(ruled, "_prepared",  # each paragraph parsed and broken into lines afresh
                        lambda text, style: WrappedOnce(chain_for(style.fontName).markup(text), style))
    monkeypatch.setattr(ruled, "_forms", _Forgetful())  # each cell's text measured afresh
    # the fixed wording assigned, but its texts' codes and operators not kept from sheet to sheet
    monkeypatch.setattr("sheets.page.assign_fixed_wording",
                        lambda doc, font: pdfmetrics.getFont(font).splitString(subsets.FIXED_WORDING, doc))
    monkeypatch.setattr(subsets, "make_subset", lambda face, subset, _: TTFontFile.makeSubset(face, subset))
    monkeypatch.setattr(subsets._KeptNumbers, "format", PDFArray.format)
    monkeypatch.setattr(Section, "build", _built_with_commands)
    monkeypatch.setattr(pdfdoc, "PDFName", pdf_objects.REPORTLAB_NAME)
    monkeypatch.setattr(pdfdoc, "pdfdocEnc", pdf_objects.REPORTLAB_ENCODE)


def _pages(pdf: bytes, folder: Path) -> list[bytes]:
    folder.mkdir()
    (folder / "sheet.pdf").write_bytes(pdf)
    subprocess.run([tool("pdftoppm"), "-gray", "-r", "60", str(folder / "sheet.pdf"), str(folder / "page")],
                   check=True, timeout=60)
    return [path.read_bytes() for path in sorted(folder.glob("page-*.pgm"))]


def test_a_sheet_renders_to_the_same_bytes_and_pixels_as_through_reportlabs_own_paths(
        demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = styles(None).chain
    cases = _cases(demo_template)
    monkeypatch.setattr("sheets.layout.audit_now", lambda: AT)  # the blank form is dated when it is made
    subsets.forget_subsets(chain.names)
    made = {name: render(content, issue) for name, content, issue in cases}
    again = {name: render(content, issue).pdf for name, content, issue in cases}  # every paragraph's lines kept
    with monkeypatch.context() as patched:
        _reportlab_paths(patched)
        subsets.forget_subsets(chain.names)
        reference = {name: render(content, issue) for name, content, issue in cases}
    subsets.forget_subsets(chain.names)

    assert any(rendered.pages > 1 for rendered in made.values())
    differing = [name for name in made if made[name].pdf != reference[name].pdf or again[name] != made[name].pdf]
    assert not differing, differing
    assert {name: (r.pages, r.stamp_page, r.stamp_box) for name, r in made.items()} == \
        {name: (r.pages, r.stamp_page, r.stamp_box) for name, r in reference.items()}
    for name in ["rare", "long", "preview", "blank", cases[0][0]]:
        pages = _pages(made[name].pdf, tmp_path / f"made-{name}")
        assert pages and pages == _pages(reference[name].pdf, tmp_path / f"reference-{name}"), name


def test_a_subset_program_is_built_byte_for_byte_as_reportlab_builds_it() -> None:
    from sheets.subset_maker import make_subset

    chain = styles(None).chain
    shuffled = random.Random(14)
    composites = 0
    for name in chain.names:
        face = pdfmetrics.getFont(name).face
        codes = sorted(face.charToGlyph)
        glyf = face.get_table("glyf")
        for size in (1, 40, 255):
            for _ in range(8):
                subset = [0, *shuffled.sample(codes, min(size, len(codes)))]
                assert make_subset(face, subset, face.get_table) == TTFontFile.makeSubset(face, subset), (name, size)
                starts = [face.glyphPos[face.charToGlyph[code]] for code in subset if code in face.charToGlyph]
                composites += sum(1 for at in starts if at < len(glyf) and glyf[at] & 0x80)
    assert composites, "composite glyphs (whose parts join the subset) were among those compared"


def test_copies_of_a_paragraph_share_its_lines_for_each_width_and_break_as_a_fresh_one_does() -> None:
    body = styles(None).body
    text = "加大生物医药企业培育扶持力度，发挥大型生物医药企业集团在优化产业链条中的示范带动作用（二（一）3）。" * 3
    first, second = ruled.paragraph(text, body), ruled.paragraph(text, body)
    assert first is not second
    for width in (300.0, 180.0):
        fresh = WrappedOnce(first.text, body)
        assert first.wrap(width, 1e6) == second.wrap(width, 1e6) == fresh.wrap(width, 1e6)
        assert second.blPara is first.blPara  # the second copy did not break the text again
        assert [line[1] for line in first.blPara.lines] == [line[1] for line in fresh.blPara.lines]
    assert first.wrap(300.0, 1e6)[1] > first.wrap(500.0, 1e6)[1]  # each copy keeps its own last width
    assert second.width == 180.0


def test_names_and_strings_are_written_as_reportlabs_codec_writes_them() -> None:
    texts = ["Font", "F1+0", "AAAAAB+WenQuanYiMicroHei-0", "a b(c)#%/[]", "\t\n\r", "\x17", "\x7f", "é", "—",
             "".join(map(chr, range(0x20, 0x7f))), ""]
    for text in texts:
        assert pdf_objects.kept_name(text) == pdf_objects.REPORTLAB_NAME(text)
        assert pdf_objects.encode(text) == pdf_objects.REPORTLAB_ENCODE(text), repr(text)
    assert pdf_objects.encode(b"\x18raw") == b"\x18raw"
    for control in map(chr, range(0x18, 0x20)):  # not in PDFDocEncoding: the codec's own error, not ASCII bytes
        with pytest.raises(UnicodeEncodeError):
            pdf_objects.encode(f"a{control}b")
