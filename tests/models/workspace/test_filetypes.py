"""A file's type comes from its first bytes, whatever it is called."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.workspace.filetypes import UNKNOWN, sniff, sniff_file

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(("head", "kind", "label"), [
    (b"%PDF-1.7\n%\xe2\xe3", "pdf", "PDF"),
    (b"\xef\xbb\xbf\n%PDF-1.4\n", "pdf", "PDF"),
    (PNG_HEAD, "image", "PNG 图片"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "JPEG 图片"),
    (b"GIF89a\x01\x00", "image", "GIF 图片"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image", "WebP 图片"),
    (b"II*\x00\x08\x00", "image", "TIFF 图片"),
    (b"PK\x03\x04\x14\x00", "other", "其他文件"),
    (b"", "other", "其他文件"),
])
def test_the_first_bytes_say_what_a_file_is(head: bytes, kind: str, label: str) -> None:
    found = sniff(head)
    assert (found.kind, found.label) == (kind, label)


def test_the_name_does_not_matter(tmp_path: Path) -> None:
    no_extension = tmp_path / "认定文件"
    no_extension.write_bytes(b"%PDF-1.4\n" + b"0" * 2000)
    misnamed = tmp_path / "营业执照.pdf"
    misnamed.write_bytes(PNG_HEAD + b"0" * 100)
    assert sniff_file(no_extension).kind == "pdf"
    assert sniff_file(misnamed).kind == "image"
    assert sniff_file(tmp_path / "不存在.pdf") == UNKNOWN
