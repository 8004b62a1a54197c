"""补正告知书: the letter to the enterprise listing the materials to supply and the deadline.

Laid out after GB/T 9704-2012 (党政机关公文格式): A4, 版心 156 × 225 mm with a 37 mm
top and a 28 mm left margin, the title in 2号 (22 pt) Song-like type, the body in
3号 (16 pt) at 22 lines × 28 characters, 发文机关署名 and 成文日期 at the bottom
right (the date 右空四字) under the 单位（盖章） area, a 附注 and the page number
(— 1 —) below the 版心. The fonts are the closest installed: 仿宋/楷体 for the body,
宋体/明朝 for the title, else the sheets' own CJK font.

The letter is signed digitally by the reviewer who issues it, with the signed
record of the 退回补正 decision embedded; it says so in its 附注. A reviewer's key
is not the unit's seal: the 单位（盖章） area is left for the physical seal.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Paragraph, Spacer

from models.exports.fonts import chosen_font, truetype_subfont
from models.failures import ReviewDeskError
from models.review.casefile import load_case
from models.review.corrections import Correction, pending_correction
from models.review.terms import DECIDING_ROLES
from models.signing.reviewers import ca_certificate, get_reviewer, require_active, unlock
from models.workspace import audit
from models.workspace.workspace import Workspace
from sheets.batch import check_key_matches, write_atomically
from sheets.glyphs import FontChain, check_printable, register_chain
from sheets.sign import EMPTY_APPEARANCE, CachingSimpleSigner, SignerMaterial
from sheets.styles import styles

TITLE = "申报材料补正告知书"
NOTICE_ACTION = "生成补正告知书"
DECISION_FILE = "退回补正决定.json"
SIGNATURE_FIELD = "ReviewDeskCorrectionNotice"

PAGE_WIDTH, PAGE_HEIGHT = 210 * mm, 297 * mm
TEXT_WIDTH, TEXT_HEIGHT = 156 * mm, 225 * mm  # 版心
MARGIN_TOP, MARGIN_LEFT = 37 * mm, 28 * mm
MARGIN_BOTTOM = PAGE_HEIGHT - MARGIN_TOP - TEXT_HEIGHT
LINES, CHARS = 22, 28
BODY_SIZE = 16.0  # 3号
TITLE_SIZE = 22.0  # 2号
LINE_PITCH = TEXT_HEIGHT / LINES  # 10.2 mm: 22 lines fill the 版心
CHAR = TEXT_WIDTH / CHARS  # 5.57 mm: 28 characters fill a line
SEAL_DIAMETER = 42 * mm  # a unit's round seal

BODY_FONTS = ("C:/Windows/Fonts/simfang.ttf", "/usr/share/fonts/truetype/arphic/ukai.ttc")
TITLE_FONTS = ("C:/Windows/Fonts/simsun.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc",
               "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")


class NoticeRefused(ReviewDeskError):
    """No 补正告知书 can be issued for this application (nothing was signed or written)."""


@dataclass(frozen=True, slots=True)
class NoticeContent:
    application_id: str
    enterprise: str
    item_name: str
    correction: Correction
    opinion: str
    unit: str  # 发文机关署名: the bureau, as its CA names it
    signer: str
    signer_role: str
    issued_on: date
    decision_record: str
    decision_signature: str
    decision_certificate: str
    demo: bool


@dataclass(frozen=True, slots=True)
class IssuedNotice:
    application_id: str
    path: str
    sha256: str
    signer: str
    issued_at: str
    pages: int


def chinese_date(day: date) -> str:
    """``2026年12月1日`` as GB/T 9704 writes 成文日期 (Arabic numerals, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- what the letter says ---------------------------------------------------------------------


def notice_content(ws: Workspace, application_id: str, signer: str, issued_on: date) -> NoticeContent:
    """The letter's content; :class:`NoticeRefused` when the application does not wait for 补正."""
    correction = pending_correction(ws.db, application_id)
    if correction is None:
        raise NoticeRefused(f"{application_id} 没有现行的退回补正决定，不能生成补正告知书")
    if not correction.items or correction.deadline is None:
        raise NoticeRefused(f"{application_id} 的退回补正决定没有列明需补正的材料和期限（旧版本作出的决定），"
                            "请重新作出退回补正决定后再生成补正告知书")
    case = load_case(ws, application_id)
    decision = next(d for d in case.decisions if d.uuid == correction.decision_uuid)
    reviewer = get_reviewer(ws, signer)
    certificate = ws.db.execute("SELECT certificate_pem FROM reviewers WHERE name = :name",
                                {"name": correction.reviewer}).fetchone()
    return NoticeContent(
        application_id, case.application.enterprise, case.item.name, correction, decision.opinion,
        _unit(ws), reviewer.name, reviewer.role, issued_on, decision.record, decision.signature,
        certificate[0] if certificate else "", case.demo)


def _unit(ws: Workspace) -> str:
    from cryptography.x509.oid import NameOID

    found = ca_certificate(ws).subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(found[0].value) if found else ""


def _paragraphs(content: NoticeContent) -> list[tuple[str, str]]:
    """(kind, text) of the letter in reading order; the kinds pick the style."""
    c = content.correction
    deadline = chinese_date(c.deadline) if c.deadline else ""
    parts = [
        ("title", TITLE),
        ("blank", ""),
        ("addressee", f"{content.enterprise}："),
        ("body", f"你单位申报的“{content.item_name}”（申报编号 {content.application_id}），经{_reviewed(c.stage)}，"
                 f"申报材料需要补正。请于{deadline}前向受理窗口提交下列材料："),
    ]
    parts += [("item", f"{number}．{item}") for number, item in enumerate(c.items, start=1)]
    if content.opinion:
        parts.append(("body", f"审核意见：{content.opinion}"))
    parts.append(("body", "补正材料提交后，将重新审核。"))
    return parts


def _reviewed(stage: str) -> str:
    """经初审、经复核, 经负责人审核."""
    return stage if stage.endswith(("审", "核")) else f"{stage}审核"


def printed_texts(content: NoticeContent) -> list[tuple[str, str]]:
    """Every text the letter prints, labelled for :func:`sheets.glyphs.check_printable`."""
    return [("告知书", text) for _, text in _paragraphs(content)] + [
        ("发文机关", content.unit), ("附注", _note(content))]


def _note(content: NoticeContent) -> str:
    c = content.correction
    return (f"（本告知书由{content.signer}（{content.signer_role}）以数字证书签名，签名只表明内容出自该审核人员，"
            f"不代替单位印章；所附退回补正决定由{c.reviewer}于{c.decided_at[:10]}签名作出，"
            f"决定编号 {c.decision_uuid[:8]}。）")


# --- the page ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fonts:
    body: str
    title: str
    chain: FontChain  # body font, then the sheets' chain (for characters it lacks)


_registered: dict[str, str] = {}


def _font(paths: tuple[str, ...], fallback: str) -> str:
    for path in paths:
        if path in _registered:
            return _registered[path]
        index = truetype_subfont(Path(path)) if Path(path).is_file() else None
        if index is not None:
            name = f"Notice-{len(_registered)}"
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
            _registered[path] = name
            return name
    return fallback


def _fonts(font_path: str | None) -> _Fonts:
    sheet = styles(font_path)
    if font_path:  # a font chosen in the settings prints everything
        return _Fonts(sheet.font, sheet.font, sheet.chain)
    body = _font(BODY_FONTS, sheet.font)
    title = _font(TITLE_FONTS, sheet.font)
    chain = FontChain(tuple(dict.fromkeys((body, *sheet.chain.names))))
    register_chain(chain)
    return _Fonts(body, title, chain)


class _SignatureBlock(Flowable):
    """发文机关署名 over 成文日期 (右空四字), under a round 单位（盖章） area left empty for the seal."""

    def __init__(self, unit: str, day: str, fonts: _Fonts) -> None:
        super().__init__()
        self.unit, self.day, self.fonts = unit, day, fonts
        self.height = LINE_PITCH * 5

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        canvas: Canvas = self.canv
        font = self.fonts.body
        date_width = pdfmetrics.stringWidth(self.day, font, BODY_SIZE)
        date_right = self.width - 4 * CHAR
        date_centre = date_right - date_width / 2
        baseline_date = LINE_PITCH
        baseline_unit = baseline_date + LINE_PITCH
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.setFont(font, BODY_SIZE)
        canvas.drawCentredString(date_centre, baseline_unit, self.unit)
        canvas.drawRightString(date_right, baseline_date, self.day)
        # The seal presses down on the unit and the date, centred a little above them.
        centre_y = baseline_unit + BODY_SIZE * 0.6
        canvas.setStrokeColor(colors.Color(0.55, 0.55, 0.55))
        canvas.setDash(3, 3)
        canvas.setLineWidth(0.6)
        canvas.circle(date_centre, centre_y, SEAL_DIAMETER / 2, stroke=1, fill=0)
        canvas.setFillColor(colors.Color(0.45, 0.45, 0.45))
        canvas.setFont(font, 10.5)
        canvas.drawCentredString(date_centre, centre_y + SEAL_DIAMETER / 2 - 16, "单位（盖章）")
        canvas.restoreState()


def _styles(fonts: _Fonts) -> dict[str, ParagraphStyle]:
    def style(name: str, font: str, size: float, indent: float = 0, align: int = TA_LEFT) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=LINE_PITCH, alignment=align,
                              firstLineIndent=indent, wordWrap="CJK", textColor=colors.black)

    return {
        "title": style("title", fonts.title, TITLE_SIZE, align=TA_CENTER),
        "blank": style("blank", fonts.body, BODY_SIZE),
        "addressee": style("addressee", fonts.body, BODY_SIZE),
        "body": style("body", fonts.body, BODY_SIZE, indent=2 * CHAR),
        "item": style("item", fonts.body, BODY_SIZE, indent=2 * CHAR),
        "note": style("note", fonts.body, BODY_SIZE, indent=2 * CHAR),
    }


def render_notice(content: NoticeContent, font_path: str | None = None) -> tuple[bytes, int]:
    """The unsigned PDF and its page count."""
    fonts = _fonts(font_path)
    check_printable(printed_texts(content), fonts.chain)
    sheet_styles = _styles(fonts)
    chain = fonts.chain
    title_chain = FontChain(tuple(dict.fromkeys((fonts.title, *chain.names))))
    story: list[Flowable] = []
    for kind, text in _paragraphs(content):
        markup = (title_chain if kind == "title" else chain).markup(text) if text else "&nbsp;"
        story.append(Paragraph(markup, sheet_styles[kind]))
    story.append(Spacer(1, LINE_PITCH))
    story.append(KeepTogether([_SignatureBlock(content.unit, chinese_date(content.issued_on), fonts),
                               Paragraph(chain.markup(_note(content)), sheet_styles["note"])]))
    out = io.BytesIO()
    pages: list[int] = []

    def furniture(canvas: Canvas, _doc: Any) -> None:
        pages.append(canvas.getPageNumber())
        canvas.saveState()
        # 4号 page number between 一字线, 7 mm below the 版心: odd pages 右空一字, even pages 左空一字.
        number, size = canvas.getPageNumber(), 14
        canvas.setFont(fonts.body, size)
        baseline = MARGIN_BOTTOM - 7 * mm - size
        if number % 2:
            canvas.drawRightString(MARGIN_LEFT + TEXT_WIDTH - size, baseline, f"— {number} —")
        else:
            canvas.drawString(MARGIN_LEFT + size, baseline, f"— {number} —")
        if content.demo:
            canvas.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.22))
            canvas.setFont(fonts.body, 80)
            canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, -30, "演示数据")
        canvas.restoreState()

    document = BaseDocTemplate(
        out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), title=f"{TITLE}（{content.application_id}）",
        author=content.unit, subject=content.enterprise, creator="审核台 ReviewDesk", invariant=1,
        leftMargin=MARGIN_LEFT, rightMargin=PAGE_WIDTH - MARGIN_LEFT - TEXT_WIDTH, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM)
    frame = Frame(MARGIN_LEFT, MARGIN_BOTTOM, TEXT_WIDTH, TEXT_HEIGHT, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="版心")
    document.addPageTemplates([PageTemplate("notice", [frame], onPage=furniture)])
    document.build(story)
    return out.getvalue(), len(pages)


# --- signing and issuing -----------------------------------------------------------------------


def _decision_proof(content: NoticeContent) -> bytes:
    return json.dumps({"stage": content.correction.stage, "record": content.decision_record,
                       "signature": content.decision_signature, "certificate": content.decision_certificate},
                      ensure_ascii=False, indent=1).encode("utf-8")


def sign_notice(pdf: bytes, content: NoticeContent, material: SignerMaterial, signed_at: datetime) -> bytes:
    """Certify the letter (DocMDP: no changes) with an invisible signature; the decision's record embedded."""
    from asn1crypto import keys as asn1_keys, x509 as asn1_x509
    from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec, embed_file
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = CachingSimpleSigner(
        asn1_x509.Certificate.load(material.certificate_der), asn1_keys.PrivateKeyInfo.load(material.key_pkcs8),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(material.ca_der)]))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    data = EmbeddedFileObject.from_file_data(writer, _decision_proof(content), mime_type="application/json",
                                             params=EmbeddedFileParams(embed_checksum=False, creation_date=signed_at))
    embed_file(writer, FileSpec(DECISION_FILE, file_name=DECISION_FILE, embedded_data=data,
                                description=f"退回补正决定的签名记录（{content.correction.reviewer}）"))
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256", certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES, name=material.name, reason=TITLE,
        location=material.organization or None)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer, stamp_style=EMPTY_APPEARANCE,
                      new_field_spec=SigFieldSpec(SIGNATURE_FIELD)).sign_pdf(writer, output=out)
    return out.getvalue()


def issue_notice_with_key(ws: Workspace, application_id: str, out: str | Path, signer: str, key: Any,
                          issued_on: date | None = None) -> IssuedNotice:
    """Render, sign with ``signer``'s unlocked ``key`` and write the letter to ``out``; audited.

    Raises :class:`NoticeRefused` (not waiting for 补正, signer may not decide) and the
    reviewer errors (disabled, revoked, key not theirs) before anything is written.
    """
    reviewer = require_active(ws, signer)
    if reviewer.role not in DECIDING_ROLES:
        raise NoticeRefused(f"{signer} 的角色是{reviewer.role}，不能签发补正告知书")
    check_key_matches(get_reviewer(ws, signer), key)
    target = Path(out)
    if not target.parent.is_dir():
        raise NoticeRefused(f"文件夹 {target.parent} 不存在，未生成补正告知书")
    issued_at = audit.now_text()
    content = notice_content(ws, application_id, signer, issued_on or datetime.fromisoformat(issued_at).date())
    pdf, pages = render_notice(content, chosen_font())
    material = SignerMaterial.of(key, get_reviewer(ws, signer).certificate, ca_certificate(ws))
    signed = sign_notice(pdf, content, material, datetime.fromisoformat(issued_at))
    sha256 = hashlib.sha256(signed).hexdigest()
    try:
        write_atomically(target, signed)
    except OSError as error:
        raise NoticeRefused(f"无法写入 {target}：{error.strerror or error}，未生成补正告知书") from None
    try:
        with ws.db.atomic():
            audit.append(ws.db, signer, NOTICE_ACTION, application_id, {
                "sha256": sha256, "decision": content.correction.decision_uuid, "file": target.name,
                "items": list(content.correction.items),
                "deadline": content.correction.deadline.isoformat() if content.correction.deadline else None,
            })
    except BaseException:
        target.unlink(missing_ok=True)  # no letter out without its audit entry
        raise
    return IssuedNotice(application_id, str(target), sha256, signer, issued_at, pages)


def issue_notice(ws: Workspace, application_id: str, out: str | Path, signer: str, passphrase: str) -> IssuedNotice:
    """:func:`issue_notice_with_key` after unlocking ``signer``'s key with ``passphrase``."""
    if pending_correction(ws.db, application_id) is None:
        raise NoticeRefused(f"{application_id} 没有现行的退回补正决定，不能生成补正告知书")
    return issue_notice_with_key(ws, application_id, out, signer, unlock(ws, signer, passphrase))
