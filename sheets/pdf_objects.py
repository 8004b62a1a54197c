"""Two steps of reportlab's PDF object writing (``pdfdoc``) done with less work: the same bytes.

Every dictionary key and name value goes through ``PDFName`` (a Python loop over its characters) and every string
and number through ``pdfdocEnc`` (the ``extpdfdoc`` codec, a Python charmap): a few hundred of each for every sheet.
Names are kept once made. ASCII text is encoded as ASCII, which is what the codec gives it, except the control
characters 0x18–0x1F, which PDFDocEncoding lacks: text with those, or beyond ASCII, still goes to the codec.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from reportlab.pdfbase import pdfdoc

REPORTLAB_NAME = pdfdoc.PDFName
REPORTLAB_ENCODE = pdfdoc.pdfdocEnc
KEPT_NAMES = 4096
_NOT_IN_PDFDOC = re.compile("[\x18-\x1f]")


@functools.lru_cache(maxsize=KEPT_NAMES)
def _name(data: str) -> str:
    return str(REPORTLAB_NAME(data))


def kept_name(data: Any, *args: Any) -> str:
    """``PDFName(data)``, made once for each name."""
    if args or type(data) is not str:
        return str(REPORTLAB_NAME(data, *args))
    return _name(data)


def encode(text: Any) -> Any:
    """``pdfdocEnc(text)``: str in PDFDocEncoding, anything else as it is."""
    if isinstance(text, str) and text.isascii() and not _NOT_IN_PDFDOC.search(text):
        return text.encode("ascii")
    return REPORTLAB_ENCODE(text)


def install() -> None:
    pdfdoc.PDFName = kept_name
    pdfdoc.pdfdocEnc = encode
