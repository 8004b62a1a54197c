"""Embedded font subsets made cheaply: each font's tables read once, the sheets' fixed wording in one shared subset.

reportlab embeds a TrueType font as subsets of up to 256 characters, assigned
in the order the characters are first drawn, and builds and compresses every
subset afresh for each document. For a batch of sheets that was the largest
single cost of rendering: every subset copied the font's whole ``glyf`` table
(3.5 MB for WenQuanYi Micro Hei) and deflated the result.

Here a font's tables are cut from the file once per process, and each sheet
first assigns :data:`FIXED_WORDING` (characters every sheet prints, such as its
title and labels) to the main font, so its first subset is the same on every
sheet: that subset is built and compressed once and reused. Characters that
vary from sheet to sheet go to the next subsets as before. What is drawn, what
``pdftotext`` returns and the ToUnicode maps are unchanged (``sheets.glyphs``).
"""

from __future__ import annotations

import re
import sys
import threading
from array import array
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, TTFontFace

from sheets.subset_maker import make_subset

# In the order a sheet first draws them; 158 fill the first subset beside the ASCII characters.
FIXED_WORDING = (
    "聊城市产业扶持政策兑现审核表依据《关于支高质量发展的若干措施》（办〔〕号）：导出　员初一、申报单位编所属县区"
    "企名称有限公司统社会信用代码请金额¥元万年度二事项及中小共条款责任局财工和息化原文大建。第三，批验对为分别奖"
    "；型版本测算过程与提结果件定上议“”四附材料序类前续五意见论人写决时间电子签由以字证书记录保存可离线"
)
KEPT_TEXTS = 4096  # per font: texts of the fixed wording alone (labels, amounts, dates, hashes), mapped once
DEFLATE_LEVEL = 1  # zlib's fastest, for every stream of a sheet (sheets.styles)
KEPT_SUBSETS = 16  # per font; a sheet's other subsets rarely recur, the shared one always does


Kept = TypeVar("Kept")


class Memo(Generic[Kept]):
    """A small least-recently-used map; safe when the GUI renders on more than one thread."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Kept]) -> Kept:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                found = self._items[key] = make()
                if len(self._items) > self._size:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
            return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class _KeptFlate:
    """reportlab's FlateDecode filter, remembering the compressed form of the font programs it was given."""

    pdfname = "FlateDecode"

    def __init__(self) -> None:
        self._memo = Memo[bytes](KEPT_SUBSETS)

    def encode(self, data: bytes) -> bytes:
        return self._memo.get(data, lambda: zlib.compress(data, DEFLATE_LEVEL))

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


def speed_up(face: TTFontFace) -> None:
    """Give ``face`` (once) tables cut from the file once, and subsets built (``sheets.subset_maker``) and compressed
    once each."""
    if getattr(face, "_reviewdesk_subsets", False):
        return
    tables: dict[str, bytes] = {}
    read_table = face.get_table
    subsets = Memo[bytes](KEPT_SUBSETS)
    flate = _KeptFlate()

    def get_table(tag: str) -> bytes:
        found = tables.get(tag)
        if found is None:
            found = tables[tag] = bytes(read_table(tag))
        return found

    def subset_program(subset: list[int]) -> bytes:
        return subsets.get(tuple(subset), lambda: make_subset(face, subset, get_table))

    def add_subset_objects(doc: Any, fontname: str, subset: list[int]) -> Any:
        # reportlab's TTFontFace.addSubsetObjects, with the kept program and filter
        font_file = pdfdoc.PDFStream()
        font_file.content = subset_program(subset)
        font_file.dictionary["Length1"] = len(font_file.content)
        if doc.compression:
            font_file.filters = [flate]
        font_file_ref = doc.Reference(font_file, f"fontFile:{face.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
            "Descent": face.descent, "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(face.bbox), "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": face.italicAngle, "StemV": face.stemV, "FontFile2": font_file_ref,
            "MissingWidth": face.defaultWidth,
        })
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)

    face.get_table = get_table
    face.makeSubset = subset_program
    face.addSubsetObjects = add_subset_objects
    face._reviewdesk_subsets = subsets


def _assign(state: Any, text: str, glyphs: dict[int, int]) -> bool:
    """Codes for ``text``'s characters not assigned yet, in the order they first appear, as reportlab's
    ``splitString`` assigns them once its first subset is past the ASCII range; False (nothing done) where it would
    do more (a no-break space it draws as a space, a frozen or young state)."""
    if state.frozen or state.nextCode <= 32 or "\xa0" in text:
        return False
    assignments, subsets = state.assignments, state.subsets
    for code in dict.fromkeys(map(ord, text)):
        if code in assignments or code not in glyphs:
            continue
        n = state.nextCode
        if n & 0xFF == 32:  # code 32 of every subset is a space
            subsets[n >> 8].append(32)
            state.nextCode += 1
            n = state.nextCode
        if not n & 0xFF:  # a new subset, its code 0 the notdef glyph
            subsets.append([0])
            state.nextCode += 1
            n = state.nextCode
        subsets[n >> 8].append(code)
        state.nextCode += 1
        assignments[code] = n
    return True


_ONE_SUBSET = re.compile(rb"(.)\1*", re.DOTALL)


def split_quickly(font: Any) -> None:
    """Give ``font`` (once) a ``splitString`` that maps text of characters already assigned in one pass.

    reportlab's maps each character with a dozen Python steps, to assign it a code if it has none; a sheet's
    text is mostly the fixed wording, assigned before anything is drawn. Text with a character not assigned yet
    (or a no-break space, which reportlab draws as a space) goes to reportlab's own, so the codes, subsets
    and chunks are exactly reportlab's.
    """
    if getattr(font, "_reviewdesk_split", False):
        return
    assign_and_split = font.splitString

    name = font.fontName
    glyphs = font.face.charToGlyph
    kept: dict[str, tuple[tuple[int, bytes], ...]] = {}

    def split_string(text: str | bytes, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        if not isinstance(text, str):
            return assign_and_split(text, doc, encoding)
        fixed = name in getattr(doc, "_reviewdesk_fixed", ())
        if fixed:
            found = kept.get(text)
            if found is not None:
                return list(found)
        state = font.state.get(doc)
        if state is None:
            return assign_and_split(text, doc, encoding)
        assigned = state.assignments
        try:
            codes = list(map(assigned.__getitem__, map(ord, text)))
        except KeyError:
            if not _assign(state, text, glyphs):
                return assign_and_split(text, doc, encoding)
            codes = [assigned.get(code, 0) for code in map(ord, text)]  # a character the font lacks draws as 0
        if not codes:
            return []
        top = max(codes)
        if top < 256:
            chunks = [(0, bytes(codes))]
        elif top < 0x10000:  # each run of one subset found in C: the codes' high bytes, the chunks their low ones
            pairs = array("H", codes).tobytes()  # two bytes a code, in this machine's order
            low, high = (pairs[0::2], pairs[1::2]) if sys.byteorder == "little" else (pairs[1::2], pairs[0::2])
            chunks = [(high[run.start()], low[run.start():run.end()]) for run in _ONE_SUBSET.finditer(high)]
        else:
            chunks = []
            start = 0
            for index in range(1, len(codes) + 1):
                if index == len(codes) or codes[index] >> 8 != codes[start] >> 8:
                    chunks.append((codes[start] >> 8, bytes(code & 0xFF for code in codes[start:index])))
                    start = index
        if fixed and _fixed_codes[name][1].issuperset(text):  # the same codes in every sheet
            if len(kept) >= KEPT_TEXTS:
                kept.clear()
            kept[text] = tuple(chunks)
        return chunks

    font.splitString = split_string
    font._reviewdesk_split = True


class _KeptNumbers(pdfdoc.PDFArray):
    """A font subset's ``/Widths``, written once per distinct list of widths (the shared first subset's are the
    same on every sheet); the bytes are reportlab's own ``PDFArray`` formatting of the numbers."""

    _written = Memo[bytes](KEPT_SUBSETS)

    def format(self, document: Any, IND: bytes = b"\n ") -> bytes:
        return self._written.get((tuple(self.sequence), IND), lambda: pdfdoc.PDFArray.format(self, document, IND))


def keep_widths(font: Any) -> None:
    """Give ``font`` (once) subsets whose width arrays are written through :class:`_KeptNumbers`."""
    if getattr(font, "_reviewdesk_widths", False):
        return
    add_objects = font.addObjects

    def add_kept_objects(doc: Any) -> None:
        add_objects(doc)
        for pdf_font in doc.idToObject["BasicFonts"].dict.values():
            widths: Any = getattr(pdf_font, "Widths", None)
            if type(widths) is pdfdoc.PDFArray and all(type(w) in (int, float) for w in widths.sequence):
                pdf_font.Widths = _KeptNumbers(widths.sequence)

    font.addObjects = add_kept_objects
    font._reviewdesk_widths = True


def speed_up_fonts(names: tuple[str, ...]) -> None:
    for name in names:
        font = pdfmetrics.getFont(name)
        speed_up(font.face)
        split_quickly(font)
        keep_widths(font)


def forget_subsets(names: tuple[str, ...]) -> None:
    """The subsets kept for these fonts dropped: the next sheets build theirs again (to compare two ways of building)."""
    for name in names:
        kept = getattr(pdfmetrics.getFont(name).face, "_reviewdesk_subsets", None)
        if isinstance(kept, Memo):
            kept.clear()


_fixed_codes: dict[str, tuple[dict[int, int], frozenset[str]]] = {}  # font → codes and characters after FIXED_WORDING
_fixed_states: dict[str, tuple[Any, Any]] = {}  # font → a fresh state's (codes, subsets, next code) before and after


def assign_fixed_wording(doc: Any, font_name: str) -> None:
    """Before anything is drawn: the fixed wording takes the first subset of ``font_name`` in ``doc``.

    A document whose codes for ``font_name`` were assigned this way first has the codes of every other such
    document; it is marked so (``in_fixed_wording``), and text of those characters alone is mapped once per process.
    The assignment itself is reportlab's ``splitString`` once per process; later documents whose fresh state is the
    same as the first's are given the state it left (copied).
    """
    font = pdfmetrics.getFont(font_name)
    if font.state.get(doc) is not None:
        font.splitString(FIXED_WORDING, doc)
        return
    state = font.state[doc] = TTFont.State(font._asciiReadable, font)
    before = _state_of(state)
    kept = _fixed_states.get(font_name)
    if kept is not None and kept[0] == before:
        codes, subsets, next_code = kept[1]
        state.assignments, state.nextCode = dict(codes), next_code
        state.subsets = [list(subset) for subset in subsets]
    else:
        font.splitString(FIXED_WORDING, doc)
        _fixed_states.setdefault(font_name, (before, _state_of(state)))
    codes = state.assignments
    known = _fixed_codes.setdefault(font_name, (dict(codes), frozenset(map(chr, codes))))
    if codes == known[0]:
        doc._reviewdesk_fixed = getattr(doc, "_reviewdesk_fixed", frozenset()) | {font_name}


def _state_of(state: Any) -> tuple[dict[int, int], tuple[tuple[int, ...], ...], int]:
    return dict(state.assignments), tuple(tuple(subset) for subset in state.subsets), state.nextCode


def subset_name(font: Any, subset: int, doc: Any) -> str:
    """``font.getSubsetInternalName(subset, doc)``, asked of reportlab once per document (the first call registers the
    font with the document; the name never changes after)."""
    names: dict[tuple[str, int], str] = doc.__dict__.setdefault("_reviewdesk_names", {})
    key = (font.fontName, subset)
    name = names.get(key)
    if name is None:
        name = names[key] = font.getSubsetInternalName(subset, doc)
    return name


def in_fixed_wording(doc: Any, font_name: str, text: str) -> bool:
    """Whether ``text``, in ``font_name``, has the same codes in ``doc`` as in every sheet (``assign_fixed_wording``)."""
    return font_name in getattr(doc, "_reviewdesk_fixed", ()) and _fixed_codes[font_name][1].issuperset(text)
