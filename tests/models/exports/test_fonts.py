"""Font discovery picks a TrueType CJK font reportlab can embed, never a CFF one."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from models.exports import fonts


def _ttc(path: Path, signatures: list[bytes]) -> Path:
    header = b"ttcf" + struct.pack(">HHI", 1, 0, len(signatures))
    first = len(header) + 4 * len(signatures)
    offsets = [first + 16 * n for n in range(len(signatures))]
    body = b"".join(signature + bytes(12) for signature in signatures)
    path.write_bytes(header + b"".join(struct.pack(">I", o) for o in offsets) + body)
    return path


def test_truetype_and_cff_outlines_are_told_apart(tmp_path: Path) -> None:
    (tmp_path / "a.ttf").write_bytes(b"\x00\x01\x00\x00" + bytes(60))
    (tmp_path / "b.otf").write_bytes(b"OTTO" + bytes(60))
    assert fonts.truetype_subfont(tmp_path / "a.ttf") == 0
    assert fonts.truetype_subfont(tmp_path / "b.otf") is None
    assert fonts.truetype_subfont(_ttc(tmp_path / "noto.ttc", [b"OTTO", b"OTTO"])) is None
    assert fonts.truetype_subfont(_ttc(tmp_path / "mixed.ttc", [b"OTTO", b"\x00\x01\x00\x00"])) == 1


def test_configured_font_comes_first_and_cff_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cff = _ttc(tmp_path / "NotoSansCJK.ttc", [b"OTTO"])
    truetype = tmp_path / "simsun.ttf"
    truetype.write_bytes(b"\x00\x01\x00\x00" + bytes(60))
    monkeypatch.setattr(fonts, "candidates", lambda configured=None: [(cff, "fontconfig"), (truetype, "Windows")])
    assert fonts.find_cjk_font().path == truetype


def test_no_font_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "candidates", lambda configured=None: [])
    with pytest.raises(fonts.NoCjkFont, match="fonts-wqy-microhei"):
        fonts.find_cjk_font()


def test_the_system_font_found_here_embeds_in_reportlab() -> None:
    name = fonts.register_reportlab_font()
    from reportlab.pdfbase import pdfmetrics

    assert pdfmetrics.getFont(name).face.name
