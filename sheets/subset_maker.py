"""A TrueType subset program built as reportlab's ``TTFontFile.makeSubset`` builds it, byte for byte, in fewer steps.

Each sheet embeds one or two subsets of its CJK font that no other sheet shares (the characters of its enterprise,
clause and opinions), so each is built afresh. reportlab reads every glyph's header through the font file's
``seek``/``read_short`` to look for composite glyphs and assembles the tables a value at a time; here the glyph
table is sliced and the tables packed at once, composite glyphs and their parts as reportlab handles them.
"""

from __future__ import annotations

from collections.abc import Callable
from struct import pack, pack_into
from typing import Any

from reportlab.pdfbase.ttfonts import TTFontMaker

_COPIED = ("name", "OS/2", "cvt ", "fpgm", "prep")


def make_subset(face: Any, subset: list[int], get_table: Any) -> bytes:
    """The subset program of ``face`` for the character codes ``subset``, as reportlab's ``makeSubset`` makes it.

    ``get_table(tag)`` gives a table of the font file (cut from it once)."""
    char_to_glyph = face.charToGlyph
    glyph_map = [0]
    glyph_set = {0: 0}
    code_to_glyph = []
    for code in subset:
        original = char_to_glyph.get(code, 0)
        new = glyph_set.get(original)
        if new is None:
            new = glyph_set[original] = len(glyph_map)
            glyph_map.append(original)
        code_to_glyph.append(new)
    positions = face.glyphPos
    glyf_table = get_table("glyf")
    parts_of = _parts_memo(face, glyf_table)
    n = 0
    while n < len(glyph_map):  # the parts of composite glyphs join the subset (and may have parts themselves)
        for part, _ in parts_of(glyph_map[n]):
            if part not in glyph_set:
                glyph_set[part] = len(glyph_map)
                glyph_map.append(part)
        n += 1
    pieces: list[bytes | bytearray] = []
    offsets: list[int] = []
    at = 0
    hmetrics = face.hmetrics
    hmtx: list[int] = []
    for original in glyph_map:
        start = positions[original]
        length = positions[original + 1] - start
        offsets.append(at)
        parts = parts_of(original)
        if parts:  # composite: its parts renumbered
            data = bytearray(glyf_table[start:start + length])
            for part, where in parts:
                pack_into(">H", data, where, glyph_set[part])
            pieces.append(data)
        else:
            pieces.append(glyf_table[start:start + length])
        at += length
        if at % 4:
            pieces.append(b"\0" * (4 - at % 4))
            at += 4 - at % 4
        advance, lsb = hmetrics[original]
        hmtx += (int(advance), int(lsb))
    offsets.append(at)

    output = TTFontMaker()
    for tag in _COPIED:
        try:
            output.add(tag, get_table(tag))
        except KeyError:
            pass
    output.add("post", b"\x00\x03\x00\x00" + get_table("post")[4:16] + b"\x00" * 16)
    n = len(hmtx) - 2
    while n and hmtx[n] == hmtx[n - 2]:
        n -= 2
    n += 2
    metrics = hmtx[:n] + hmtx[n + 1::2]
    output.add("hmtx", pack(f">{len(metrics)}H", *metrics))
    output.add("hhea", _with_ushort(get_table("hhea"), 34, n >> 1))
    output.add("maxp", _with_ushort(get_table("maxp"), 4, len(glyph_map)))
    cmap = [0, 1, 1, 0, 0, 12, 6, 10 + len(subset) * 2, 0, 0, len(subset), *code_to_glyph]
    output.add("cmap", pack(f">{len(cmap)}H", *cmap))
    output.add("glyf", b"".join(pieces))
    if (at + 1) >> 1 > 0xFFFF:
        location_format = 1
        output.add("loca", pack(f">{len(offsets)}L", *offsets))
    else:
        location_format = 0
        output.add("loca", pack(f">{len(offsets)}H", *(offset >> 1 for offset in offsets)))
    output.add("head", _with_ushort(get_table("head"), 50, location_format))
    stream: bytes = output.makeStream()
    return stream


_MORE_COMPONENTS, _WORDS, _SCALE, _XY_SCALE, _TWO_BY_TWO = 1 << 5, 1 << 0, 1 << 3, 1 << 6, 1 << 7


def _parts_memo(face: Any, glyf: bytes) -> Callable[[int], tuple[tuple[int, int], ...]]:
    """For ``face``, once per process: each glyph's parts (glyph index, where in the glyph its index is written);
    none for a simple glyph. Most CJK glyphs of WenQuanYi Micro Hei are composites."""
    memo: dict[int, tuple[tuple[int, int], ...]] | None = getattr(face, "_reviewdesk_parts", None)
    if memo is None:
        memo = {}
        face._reviewdesk_parts = memo
    positions = face.glyphPos

    def parts_of(glyph: int) -> tuple[tuple[int, int], ...]:
        found = memo.get(glyph)
        if found is None:
            start = positions[glyph]
            composite = positions[glyph + 1] - start > 2 and glyf[start] & 0x80
            found = memo[glyph] = _components(glyf, start) if composite else ()
        return found

    return parts_of


def _components(glyf: bytes, start: int) -> tuple[tuple[int, int], ...]:
    """(glyph index, where in the glyph it is written) of each part of the composite glyph at ``start``."""
    found: list[tuple[int, int]] = []
    at = start + 10
    flags = _MORE_COMPONENTS
    while flags & _MORE_COMPONENTS:
        flags = (glyf[at] << 8) | glyf[at + 1]
        found.append(((glyf[at + 2] << 8) | glyf[at + 3], at + 2 - start))
        at += 8 if flags & _WORDS else 6
        if flags & _SCALE:
            at += 2
        elif flags & _XY_SCALE:
            at += 4
        elif flags & _TWO_BY_TWO:
            at += 8
    return tuple(found)


def _with_ushort(table: bytes, offset: int, value: int) -> bytes:
    return table[:offset] + pack(">H", value) + table[offset + 2:]
