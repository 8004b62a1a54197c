"""Page geometry, paragraph styles (all in the one embedded CJK font) and how amounts and times print."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc

from models.exports.fonts import register_reportlab_fallbacks, register_reportlab_font
from sheets import linebreak, pdf_objects
from sheets.glyphs import FontChain, register_chain
from sheets.subsets import DEFLATE_LEVEL, speed_up_fonts
from policy.money import wan_text

TITLE = "聊城市产业扶持政策兑现审核表"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 22 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN_X
LABEL = 92.0
PAD = 5.0
BODY_SIZE = 9.5
BODY_LEADING = 13.5
HEADER_GRAY = colors.Color(0.88, 0.88, 0.88)
SUB_GRAY = colors.Color(0.95, 0.95, 0.95)

# Binary (not ASCII85) streams: smaller and faster to write; every PDF reader takes them.
rl_config.useA85 = 0
# Deflate at zlib's fastest level: at its default level a fifth of rendering a sheet went to deflating its page
# contents and font subsets; level 1 made the sheets 6 % larger (67 → 71 KB before signing).
def _deflate(data: str | bytes) -> bytes:
    return zlib.compress(data.encode("utf8") if isinstance(data, str) else data, DEFLATE_LEVEL)


pdfdoc.PDFZCompress.encode = _deflate  # the one FlateDecode filter object reportlab gives every stream
# 禁则 line breaking for every CJK paragraph (reportlab's own starts lines with "，" and splits 二（一）3).
linebreak.install()
pdf_objects.install()  # names kept once made, ASCII strings encoded without the Python codec


@dataclass(frozen=True, slots=True)
class Styles:
    font: str
    chain: FontChain  # the font, then the fallbacks for characters it lacks
    body: ParagraphStyle
    small: ParagraphStyle
    code: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    right: ParagraphStyle


_cache: dict[str, Styles] = {}


def styles(font_path: str | None = None) -> Styles:
    """The styles, made once per process (finding the font runs fc-list)."""
    cached = _cache.get(font_path or "")
    if cached is None:
        font = register_reportlab_font(font_path)
        chain = FontChain((font, *(name for name in register_reportlab_fallbacks() if name != font)))
        register_chain(chain)
        speed_up_fonts(chain.names)

        def style(name: str, size: float, leading: float, align: int = TA_LEFT, **extra: Any) -> ParagraphStyle:
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, alignment=align,
                                  wordWrap="CJK", textColor=colors.black, **extra)

        cached = Styles(
            font=font, chain=chain,
            # rightIndent: room for a full-width mark (、。，) hanging at the end of a wrapped line
            body=style("body", BODY_SIZE, BODY_LEADING, rightIndent=BODY_SIZE - PAD + 1),
            small=style("small", 7.5, 10, rightIndent=3),
            code=style("code", 7.5, 10, TA_RIGHT),
            title=style("title", 19, 26, TA_CENTER),
            subtitle=style("subtitle", 9.5, 14, TA_CENTER),
            right=style("right", 9.5, 13.5, TA_RIGHT),
        )
        _cache[font_path or ""] = cached
    return cached


def yuan_figures(amount: Decimal | None) -> str:
    """``¥300,000.00 元（30.00万元）``."""
    return "—" if amount is None else f"¥{amount:,.2f} 元（{wan_text(amount)}）"


def when(iso_text: str) -> str:
    """``2026-11-29T22:58:02+08:00`` → ``2026-11-29 22:58:02``."""
    return iso_text.replace("T", " ")[:19]


