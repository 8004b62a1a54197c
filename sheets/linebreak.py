"""Chinese line breaking (禁则) for the sheets' paragraphs, in place of reportlab's CJK splitter.

reportlab breaks CJK text after any character and hangs at most one mark
that may not start a line; it knows no marks that may not end one and splits
anything. Here a line never starts with closing punctuation (，。、；：？！）》” …),
never ends with an opening one (（《“ …), and references such as 二（一）3,
amounts such as ¥300,000.00 and codes such as 2026-000001 are kept whole
when they fit on a line. One closing mark may hang into the right margin
(the styles leave room for it); otherwise the line breaks at the last
allowed place before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import paragraph as rl_paragraph

CANNOT_START = frozenset("，。、；：？！）》」』】〕〉］｝”’…—·％‰℃．,.;:?!)]}%")
CANNOT_END = frozenset("（《「『【〔〈［｛“‘([{¥￥$#§")
# Kept on one line: 二（一）3, 第五条, ¥300,000.00, 30.00万元, 2026-000001, LC2023-0002 …
UNBREAKABLE = re.compile(
    r"[一二三四五六七八九十]+（[一二三四五六七八九十]+）(?:\d+(?:[.．]\d+)*)?"
    r"|第[一二三四五六七八九十百\d]+[条款项章节]"
    r"|¥?[A-Za-z0-9][A-Za-z0-9.,:/_+\-]*[A-Za-z0-9%]"
)
FUZZ = 1e-6


def _keep_together(chars: list[str]) -> list[int]:
    """For each index, the index where its unbreakable span starts (its own index when free)."""
    text = "".join(char[:1] or "\x00" for char in chars)
    span_start = list(range(len(chars)))
    for match in UNBREAKABLE.finditer(text):
        for index in range(match.start() + 1, match.end()):
            span_start[index] = match.start()
    return span_start


def break_allowed_before(chars: list[str], span_start: list[int], index: int) -> bool:
    """Whether a line may break between ``chars[index - 1]`` and ``chars[index]``."""
    before, after = chars[index - 1], chars[index]
    if not before or not after:
        return True
    return after not in CANNOT_START and before not in CANNOT_END and span_start[index] != span_start[index - 1]


def _width(glyph: Any, max_width: float) -> float:
    width = glyph.width
    if hasattr(width, "normalizedValue"):
        width._normalizer = max_width
        width = width.normalizedValue(max_width)
    return width


def line_spans(chars: list[str], widths: list[float], breaks: list[bool],
               max_width_of: Callable[[int], float]) -> list[tuple[int, int, bool]]:
    """(start, end, ends with a forced break) of each line; ``breaks[i]``: a forced break after ``chars[i]``."""
    span_start = _keep_together(chars)
    spans: list[tuple[int, int, bool]] = []
    start = index = 0
    used = 0.0
    count = len(chars)
    limit = max_width_of(0) + FUZZ
    while index < count:
        if breaks[index]:
            spans.append((start, index + 1, True))
            limit = max_width_of(len(spans)) + FUZZ
            start = index = index + 1
            used = 0.0
            continue
        width = widths[index]
        if used + width > limit and index > start:
            hangs = chars[index] in CANNOT_START and (
                index + 1 >= count or break_allowed_before(chars, span_start, index + 1))
            if hangs:
                end = index + 1
            else:
                end = next((b for b in range(index, start, -1) if break_allowed_before(chars, span_start, b)), index)
            spans.append((start, end, False))
            limit = max_width_of(len(spans)) + FUZZ
            start = index = end
            used = 0.0
            continue
        used += width
        index += 1
    if start < count:
        spans.append((start, count, False))
    return spans


def _max_width_of(max_widths: list[float]) -> Callable[[int], float]:
    return lambda line: max_widths[min(line, len(max_widths) - 1)]


def kinsoku_frag_split(frags: Any, max_widths: list[float], calc_bounds: Any, encoding: str = "utf8") -> Any:
    """reportlab's ``cjkFragSplit`` (several fonts or markup in a paragraph) with 禁则."""
    glyphs: list[Any] = []
    for frag in frags:
        text = frag.text.decode(encoding) if isinstance(frag.text, bytes) else frag.text
        if text:
            glyphs.extend(rl_paragraph.cjkU(char, frag, encoding) for char in text)
        else:
            glyphs.append(rl_paragraph.cjkU(text, frag, encoding))
    width_of = _max_width_of(max_widths)
    chars = [str(glyph) for glyph in glyphs]
    widths = [_width(glyph, max_widths[0]) for glyph in glyphs]
    lines = []
    for number, (start, end, forced) in enumerate(
            line_spans(chars, widths, [hasattr(glyph.frag, "lineBreak") for glyph in glyphs], width_of)):
        used = sum(widths[start:end])
        lines.append(rl_paragraph.makeCJKParaLine(glyphs[start:end], width_of(number), used,
                                                  width_of(number) - used, forced, calc_bounds))
    return rl_paragraph.ParaLines(kind=1, lines=lines)


_char_widths: dict[tuple[str, float], dict[str, float]] = {}  # (font, size) → character → width, once per process


def kinsoku_word_split(text: str, max_widths: list[float] | float, font_name: str, font_size: float,
                       encoding: str = "utf8") -> list[tuple[float, str]]:
    """reportlab's ``wordSplit`` (a paragraph in one font) with 禁则: (extra space, line text) per line."""
    if isinstance(text, bytes):
        text = text.decode(encoding)
    widths_list = list(max_widths) if isinstance(max_widths, (list, tuple)) else [max_widths]
    width_of = _max_width_of(widths_list)
    chars = list(text)
    known = _char_widths.get((font_name, font_size))
    if known is None:
        known = _char_widths[font_name, font_size] = {}
    widths = []
    for char in chars:
        width = known.get(char)
        if width is None:
            width = known[char] = stringWidth(char, font_name, font_size)
        widths.append(width)
    return [(width_of(number) - sum(widths[start:end]), text[start:end])
            for number, (start, end, _) in enumerate(line_spans(chars, widths, [False] * len(chars), width_of))]


def install() -> None:
    """Make reportlab's CJK paragraphs break with 禁则 (its paragraph module looks both splitters up by name)."""
    rl_paragraph.cjkFragSplit = kinsoku_frag_split
    rl_paragraph.wordSplit = kinsoku_word_split
