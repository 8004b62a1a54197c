"""A small TrueType font for the signature's visible stamp.

pyHanko's glyph accumulator reads a single .ttf (not a .ttc collection) and
subsets it anew for every signature. Cutting the CJK font down once to the
glyphs a stamp can show makes that per-signature work cheap; the file is
cached in the temp folder under a name derived from its inputs.

pyHanko writes glyph widths in font units where PDF expects thousandths of
an em, so the font is also rescaled to 1000 units per em (TrueType CJK fonts
usually have 2048); otherwise the stamp's characters stand two ems apart.
"""

from __future__ import annotations

import hashlib
import os
import string
import tempfile
from pathlib import Path

from models.fonts import find_cjk_font

PDF_UNITS_PER_EM = 1000
STAMP_TEXT = "电子签章签名时间审核人导出（）()：:-+ 年月日" + string.digits + string.ascii_letters


def stamp_font(extra_text: str, configured: str | None = None) -> Path:
    """A .ttf with the glyphs of ``extra_text`` (names, roles, organisation) and the stamp's fixed text."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    choice = find_cjk_font(configured)
    text = "".join(sorted(set(STAMP_TEXT + extra_text)))
    stat = choice.path.stat()
    key = f"v2|{choice.path}|{choice.subfont_index}|{stat.st_size}|{stat.st_mtime_ns}|{text}"
    target = Path(tempfile.gettempdir()) / f"reviewdesk-stamp-{hashlib.sha256(key.encode()).hexdigest()[:16]}.ttf"
    if target.is_file():
        return target
    with choice.path.open("rb") as handle:
        is_collection = handle.read(4) == b"ttcf"
    if is_collection:
        font = TTCollection(str(choice.path), lazy=True).fonts[choice.subfont_index]
    else:
        font = TTFont(str(choice.path), lazy=True)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if font["head"].unitsPerEm != PDF_UNITS_PER_EM:
        scale_upem(font, PDF_UNITS_PER_EM)
    partial = target.with_name(f"{target.stem}.{os.getpid()}.part")
    font.save(str(partial))
    os.replace(partial, target)
    return target
