"""Every character on a sheet drawn by a font that has it, copied back as itself, or the export refused.

The main CJK font lacks many characters of the CJK Extensions that enterprise
names contain (䶮, 𠮷 …). Text is cut into runs, each in the first font of the
chain that has its characters (``models.exports.fonts`` finds the fallbacks). A
character no font has is not drawn as a blank: :func:`check_printable` refuses
the export, naming the character and the field.

reportlab writes each ToUnicode entry as 4 hex digits, so a character outside
the BMP copies and searches as a wrong one; :func:`_to_unicode_cmap` writes it
as its UTF-16 surrogate pair, as the PDF standard asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts

from models.failures import ReviewDeskError

ALWAYS_COVERED = frozenset("\n\r\t ")


class UnprintableCharacter(ReviewDeskError):
    """A character of the sheet is in none of the fonts; nothing was numbered or written."""


def _utf16_hex(code_point: int) -> str:
    """``4E2D`` for 中, ``D842DFB7`` for 𠮷."""
    return chr(code_point).encode("utf-16-be", "surrogatepass").hex().upper()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with characters outside the BMP as UTF-16 surrogate pairs."""
    return _kept_cmap(fontname, tuple(subset))


@lru_cache(maxsize=64)  # the shared first subset's map is the same on every sheet
def _kept_cmap(fontname: str, subset: tuple[int, ...]) -> str:
    cmap = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange", f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset)),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]
    return "\n".join(cmap)


ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # reportlab looks the function up in its module at save time


@dataclass(frozen=True)
class FontChain:
    """The main font, then the fallbacks; each character in the first that has it."""

    names: tuple[str, ...]
    _maps: tuple[dict[int, int], ...] = field(init=False, repr=False, compare=False)
    _found: dict[str, str | None] = field(init=False, repr=False, compare=False)  # character → font, as looked up

    _covered: set[str] = field(init=False, repr=False, compare=False)  # characters found in one of the fonts

    def __post_init__(self) -> None:
        object.__setattr__(self, "_maps", tuple(pdfmetrics.getFont(name).face.charToGlyph for name in self.names))
        object.__setattr__(self, "_found", {char: self.names[0] for char in ALWAYS_COVERED})
        object.__setattr__(self, "_covered", set(ALWAYS_COVERED))

    @property
    def primary(self) -> str:
        return self.names[0]

    def font_for(self, char: str) -> str | None:
        try:
            return self._found[char]
        except KeyError:
            code = ord(char)
            found = self._found[char] = next(
                (name for name, glyphs in zip(self.names, self._maps) if code in glyphs), None)
            return found

    def in_primary(self, text: str) -> bool:
        glyphs = self._maps[0]
        return all(char in ALWAYS_COVERED or ord(char) in glyphs for char in text)

    def uncovered(self, text: str) -> list[str]:
        if self._covered.issuperset(text):  # every character looked up before and found
            return []
        missing = [char for char in dict.fromkeys(text) if self.font_for(char) is None]
        self._covered.update(char for char in text if char not in missing)
        return missing

    def runs(self, text: str) -> Iterator[tuple[str, str]]:
        """(font name, text) runs; a character no font has stays in the main font."""
        current, start = self.primary, 0
        for index, char in enumerate(text):
            font = self.font_for(char) or self.primary
            if font != current:
                if index > start:
                    yield current, text[start:index]
                current, start = font, index
        if len(text) > start:
            yield current, text[start:]

    def markup(self, text: str) -> str:
        """Paragraph markup of plain ``text``: escaped, fallback runs in ``<font face>``, line breaks kept."""
        parts = []
        for font, run in self.runs(text):
            escaped = escape(run).replace("\n", "<br/>")
            parts.append(escaped if font == self.primary else f'<font face="{font}">{escaped}</font>')
        return "".join(parts)


_chains: dict[str, FontChain] = {}


def register_chain(chain: FontChain) -> None:
    _chains[chain.primary] = chain


def chain_for(font_name: str) -> FontChain:
    """The chain whose main font is ``font_name`` (a font without one is its own chain)."""
    chain = _chains.get(font_name)
    if chain is None:
        chain = _chains[font_name] = FontChain((font_name,))
    return chain


def check_printable(fields: Iterator[tuple[str, str]] | list[tuple[str, str]], chain: FontChain) -> None:
    """Raises :class:`UnprintableCharacter` for the first character no font of ``chain`` has."""
    for label, text in fields:
        missing = chain.uncovered(text)
        if missing:
            char = missing[0]
            raise UnprintableCharacter(
                f"{label}“{text}”中的字符“{char}”（U+{ord(char):04X}）没有任何已安装的字体能够显示，"
                "为免打印成空白，未导出审核表。请安装含 CJK 扩展区的字体（Linux：fonts-hanazono；"
                "Windows：SimSun-ExtB）后重试。")
