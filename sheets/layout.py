"""The A4 审核表 with reportlab platypus: one embedded TrueType CJK font, black on white.

Sections are ruled tables of the same width whose first column holds the
labels, so the page reads as one form. Long texts continue on the next page;
each decision block moves to a new page whole when it would not fit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Spacer, Table

from models.workspace.audit import now_text as audit_now
from models.review.terms import FIRST, LEAD, LEAD_ROLE, SECOND, STAGES_BY_NAME
from sheets.amounts import rmb_uppercase
from sheets.content import PREVIEW_MARK, DecisionBlock, SheetContent, SheetIssue, printed_fields
from sheets.flowables import CheckBoxes, QrFlowable, StampSpot
from sheets.glyphs import check_printable
from sheets.page import Furniture, SheetCanvas, draw_page
from sheets.ruled import Section, Text, paragraph
from sheets.styles import (
    LABEL, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_HEIGHT, SUB_GRAY, TITLE, WIDTH, Styles, styles, when,
    yuan_figures,
)

VALUE = (WIDTH - 2 * LABEL) / 2
GRID = [LABEL, VALUE, LABEL, VALUE]
WIDE = ((1, 3),)  # a value spanning the rest of the four-column grid
STAMP_WIDTH, STAMP_HEIGHT = 200.0, 70.0
KINDS = {"pdf": "PDF", "image": "图片", "other": "其他"}


@dataclass(frozen=True, slots=True)
class Rendered:
    pdf: bytes
    pages: int
    stamp_page: int  # 0-based
    stamp_box: tuple[float, float, float, float] | None  # x1, y1, x2, y2 in points; None on the blank form


def _applicant(c: SheetContent, s: Styles) -> Table:
    section = Section(s, GRID, "一、申报单位")
    section.row("申报编号", Text(c.application_id), "所属县区", Text(c.county or "—"), center=(0, 2))
    section.row("企业名称", Text(c.enterprise), "", "", spans=WIDE)
    section.row("统一社会信用代码", Text(c.uscc), "产业", Text(c.industry), center=(0, 2))
    requested = "未填写" if c.requested_yuan is None else yuan_figures(c.requested_yuan)
    section.row("申请金额", Text(requested), "申报年度", str(c.application_year or "—"), center=(0, 2))
    return section.build()


def _item(c: SheetContent, s: Styles) -> Table:
    section = Section(s, GRID, "二、申报事项及政策依据")
    section.row("申报事项", Text(c.item_name), "", "", spans=WIDE)
    section.row("条款", Text(c.clause_ref), "责任单位", Text("、".join(c.units) or "—"), center=(0, 2))
    section.row("条款原文", Text(c.clause_text), "", "", spans=WIDE)
    section.row("政策依据", Text(f"《{c.measure_title}》（{c.document_number}）；"
                             f"政策数据版本 {c.policy_version}（{c.policy_hash[:12]}）"), "", "", spans=WIDE)
    return section.build()


def _trace(c: SheetContent, s: Styles) -> Table:
    number = 22.0
    section = Section(s, [LABEL, number, WIDTH - LABEL - number], "三、测算过程与审核提示")
    result = f"{c.status_label}；核定上限 {_yuan(c.cap_yuan)}；建议金额 {_yuan(c.recommended_yuan)}"
    section.row("测算结果", Text(result), "", spans=((1, 2),))
    for title, lines in (("测算过程", c.trace or ("（无测算记录）",)), ("需人工判断", c.flags)):
        for n, line in enumerate(lines, start=1):
            # one label cell per group: no rule under the label column until the group ends
            section.row(title if n == 1 else "", str(n), Text(line), center=(0, 1),
                        rule_from=0 if n == len(lines) else 1)
    return section.build()


def _yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"¥{amount:,.2f} 元"


def _evidence(c: SheetContent, s: Styles) -> Table:
    section = Section(s, [28.0, 58.0, WIDTH - 28 - 58 - 62 - 92, 62.0, 92.0], "四、附件材料")
    section.row("序号", "类型", "文件名", "大小", "SHA-256（前12位）", center=range(5), shade=SUB_GRAY, repeat=True)
    for n, f in enumerate(c.evidence, start=1):
        section.row(str(n), KINDS.get(f.kind, f.kind), Text(f.name), _size(f.size), f.short_hash, center=(0, 1, 4))
        section.commands.append(("ALIGN", (3, len(section.rows) - 1), (3, len(section.rows) - 1), "RIGHT"))
    if not c.evidence:
        section.row("", "", "（无附件）", "", "", center=())
    return section.build()


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _decided_rows(section: Section, label: str, block: DecisionBlock, s: Styles, *, opinion: str = "审核意见",
                  signer: str = "审核人") -> None:
    """The rows of a signed decision: outcome, signer, amount in 小写 and 大写, time, opinion, proof."""
    upper = "—" if block.amount_yuan is None else rmb_uppercase(block.amount_yuan)
    section.row(label, Text(block.outcome), signer, Text(block.reviewer), center=(0, 2))
    section.row("核定金额（小写）", Text(yuan_figures(block.amount_yuan)), "决定时间", when(block.decided_at),
                center=(0, 2))
    section.row("核定金额（大写）", Text(upper), "", "", spans=WIDE)
    section.row(opinion, Text(block.opinion or "—"), "", "", spans=WIDE)
    if block.override_reason:
        section.row("超上限理由", Text(block.override_reason), "", "", spans=WIDE)
    proof = f"决定编号 {block.uuid}，由{block.reviewer}以数字证书签名；签名记录作为本表附件保存，可离线核验。"
    section.row("电子签名", Text(proof, s.small), "", "", spans=WIDE)


def _decision(stage: str, heading: str, block: DecisionBlock | None, s: Styles, *, blank: bool) -> Table:
    section = Section(s, GRID)
    section.heading(heading, shade=SUB_GRAY, size=9.5)
    if block is not None:
        _decided_rows(section, f"{stage}结论", block, s)
    else:
        section.row(f"{stage}结论", _outcome_boxes(stage, s) if blank else "尚未作出", "", "", spans=WIDE)
        section.row("核定金额（小写）", "¥" if blank else "—", "审核人", "", center=(0, 2))
        section.row("核定金额（大写）", "人民币" if blank else "—", "", "", spans=WIDE)
        section.row("审核意见", "", "", "", spans=WIDE, height=64 if blank else None)
    section.row("审核人签字", "", "日期", "　　　　年　　　月　　　日", center=(0, 2), height=30)
    return section.build()


def _outcome_boxes(stage: str, s: Styles) -> CheckBoxes:
    """A box to tick for each outcome the stage table allows at ``stage`` (the blank form)."""
    return CheckBoxes(STAGES_BY_NAME[stage].outcomes, s.font)


def _approval(lead: DecisionBlock | None, s: Styles, issue: SheetIssue | None, stamp: StampSpot | None) -> Table:
    section = Section(s, GRID, f"六、{LEAD}审批")
    if lead is not None:
        # The 负责人's own signed decision: what they decided and who signed it, not a box left for a pen.
        _decided_rows(section, f"{LEAD}结论", lead, s, opinion="审批意见", signer=LEAD)
    elif issue is None:  # the blank form: the 负责人's outcome and amount to fill in by pen, like the stages above
        section.row(f"{LEAD}结论", _outcome_boxes(LEAD, s), "", "", spans=WIDE)
        section.row("核定金额（小写）", "¥", "", "", spans=WIDE)
        section.row("核定金额（大写）", "人民币", "", "", spans=WIDE)
        section.row("审批意见", "", "", "", spans=WIDE, height=56)
        section.row(f"{LEAD}签字", "", "日期", "　　　　年　　　月　　　日", center=(0, 2), height=30)
    else:
        section.row("审批意见", "", "", "", spans=WIDE, height=56)
        if issue.signer_role == LEAD_ROLE:
            # The 负责人 exported and signed this sheet: the block says so instead of staying empty.
            signed = Text(f"{issue.signer}（已以数字证书签名，见下方电子签章）")
            section.row(f"{LEAD}签字", signed, "日期", when(issue.exported_at)[:10], center=(0, 2, 3), height=30)
        else:
            section.row(f"{LEAD}签字", "", "日期", "　　　　年　　　月　　　日", center=(0, 2), height=30)
    section.row("单位（盖章）", "", "日期", "　　　　年　　　月　　　日", center=(0, 2), height=72)
    if stamp is not None:
        note = ("本表由导出人以数字证书签名（PAdES），电子文件可在 PDF 阅读器中查看签名状态；"
                "纸质件请凭页脚校验码或二维码向审核单位核对。")
        section.row("导出人电子签章", paragraph(note, s.small), stamp, "", spans=((2, 3),), center=(0, 2),
                    height=STAMP_HEIGHT + 8)
    return section.build()


def stamp_lines(issue: SheetIssue) -> list[str]:
    role = f"（{issue.signer_role}）" if issue.signer_role else ""
    if issue.preview:
        return [f"电子签章（{PREVIEW_MARK}）", f"{issue.signer}{role}", issue.signer_organization, "打印时签名"]
    return ["电子签章", f"{issue.signer}{role}", issue.signer_organization, f"签名时间 {when(issue.exported_at)}"]


def qr_payload(application_id: str, serial: str, code: str) -> str:
    return f"REVIEWDESK-SHEET:{application_id}:{serial}:{code}"


def _title(c: SheetContent, issue: SheetIssue | None, s: Styles) -> list[Any]:
    side = 100.0
    if issue is None:
        right: Any = ""
        note = [paragraph("（空白表 · 供专家纸质评审填写）", s.subtitle)]
    elif issue.preview:
        right = paragraph(PREVIEW_MARK, s.title)  # no QR code: there is no code to point at yet
        note = [paragraph(f"（{PREVIEW_MARK} · 表号和校验码在打印时签发）", s.subtitle)]
    else:
        # the 24-character code in two lines at a group boundary: one line would not fit under the QR code
        groups = issue.code.split("-")
        shown = "-".join(groups[:3]) + "\n" + "-".join(groups[3:]) if len(groups) > 3 else issue.code
        right = [QrFlowable(qr_payload(c.application_id, issue.serial, issue.code), 62), paragraph(shown, s.code)]
        note = []
    basis = paragraph(f"依据《{c.measure_title}》（{c.document_number}）", s.subtitle)
    head = Table([["", paragraph(TITLE, s.title), right], [[basis, *note], "", ""]],
                 colWidths=[side, WIDTH - 2 * side, side],
                 style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (2, 0), (2, 0), "RIGHT"),
                        ("SPAN", (0, 1), (2, 1)), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("FONT", (0, 0), (-1, -1), s.font, 9)])
    if issue is None:
        info: list[Any] = ["表号：（专家评审后由审核台导出正式审核表）", "打印日期：　　　年　　月　　日"]
    elif issue.preview:
        info = [f"表号：{issue.serial}", f"{PREVIEW_MARK}：{when(issue.exported_at)}　{issue.signer}（{issue.signer_role}）"]
    else:
        exported = f"导出：{when(issue.exported_at)}　{issue.signer}（{issue.signer_role}）"
        fits = stringWidth(exported, s.font, 9.5) <= WIDTH / 2
        info = [f"表号：{issue.serial}", exported if fits else paragraph(exported, s.right)]
    line = Table([info], colWidths=[WIDTH / 2, WIDTH / 2],
                 style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 3), ("FONT", (0, 0), (-1, -1), s.font, 9.5),
                        ("ALIGN", (1, 0), (1, 0), "RIGHT")])
    return [head, Spacer(1, 4), line]


def _story(c: SheetContent, issue: SheetIssue | None, s: Styles, stamp: StampSpot | None) -> list[Any]:
    blank = issue is None
    opinions = Section(s, GRID, "五、审核意见").build()
    return [
        *_title(c, issue, s),
        _applicant(c, s), _item(c, s), _trace(c, s), _evidence(c, s),
        KeepTogether([opinions, _decision(FIRST, f"（一）{FIRST}", None if blank else c.first, s, blank=blank)]),
        KeepTogether([_decision(SECOND, f"（二）{SECOND}", None if blank else c.second, s, blank=blank)]),
        KeepTogether([_approval(None if blank else c.lead, s, issue, stamp)]),
    ]


def pdf_date(iso: str) -> str:
    """``2026-12-01T09:30:00+08:00`` → ``D:20261201093000+08'00'`` (PDF's date format)."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def render(content: SheetContent, issue: SheetIssue | None, *, font_path: str | None = None) -> Rendered:
    """The sheet's PDF bytes (unsigned) and where the signature stamp goes.

    ``issue`` None renders the blank paper form: no serial, code or stamp, empty decision boxes.
    """
    s = styles(font_path)
    check_printable(printed_fields(content, issue), s.chain)
    sink: dict[str, Any] = {}
    stamp = None if issue is None else StampSpot(STAMP_WIDTH, STAMP_HEIGHT, sink, stamp_lines(issue), s.font)
    furniture = Furniture(s.font, content.application_id, issue.serial if issue else "", issue.code if issue else "",
                          issue.audit_head if issue else "", content.demo, issue is None,
                          issue is not None and issue.preview)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=f"{TITLE} {content.application_id}", author=issue.signer if issue else "",
        subject=content.enterprise, creator="审核台 ReviewDesk", invariant=1, initialFontName=s.font,
        initialFontSize=9,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM - 4,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate("sheet", [frame], onPage=lambda canvas, _: draw_page(canvas, furniture))])
    created = pdf_date(issue.exported_at if issue is not None else audit_now())
    doc.build(_story(content, issue, s, stamp),
              canvasmaker=partial(SheetCanvas, furniture=furniture, creation_date=created))
    return Rendered(buffer.getvalue(), doc.page, sink.get("page", 0), sink.get("box"))
