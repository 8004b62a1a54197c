"""What a file is, from its first bytes (magic numbers), never from the name it arrived under.

The same bytes may be imported once as “认定文件” and later as “认定文件.pdf”; the
evidence store keeps them once, by hash, so only their content can say what they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["pdf", "image", "other"]
HEAD_BYTES = 16


@dataclass(frozen=True, slots=True)
class FileType:
    kind: Kind
    label: str  # as shown to the reviewer: PDF, PNG 图片, …


PDF = FileType("pdf", "PDF")
UNKNOWN = FileType("other", "其他文件")

_SIGNATURES: tuple[tuple[bytes, FileType], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", FileType("image", "PNG 图片")),
    (b"\xff\xd8\xff", FileType("image", "JPEG 图片")),
    (b"GIF87a", FileType("image", "GIF 图片")),
    (b"GIF89a", FileType("image", "GIF 图片")),
    (b"BM", FileType("image", "BMP 图片")),
    (b"II*\x00", FileType("image", "TIFF 图片")),
    (b"MM\x00*", FileType("image", "TIFF 图片")),
)
_WEBP = FileType("image", "WebP 图片")
# Some producers put a few bytes (a BOM, a blank line) before the PDF header; readers accept it within 1 KB.
_PDF_WINDOW = 1024


def sniff(head: bytes) -> FileType:
    """The type of a file whose first bytes are ``head`` (pass at least 1 KB to find a late PDF header)."""
    for signature, file_type in _SIGNATURES:
        if head.startswith(signature):
            return file_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    if b"%PDF-" in head[:_PDF_WINDOW]:
        return PDF
    return UNKNOWN


def sniff_file(path: str | Path) -> FileType:
    """The type of the file at ``path``; :data:`UNKNOWN` when it cannot be read."""
    try:
        with open(path, "rb") as stream:
            return sniff(stream.read(_PDF_WINDOW))
    except OSError:
        return UNKNOWN
