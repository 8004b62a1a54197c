"""Finding a CJK TrueType font that reportlab can embed (no CFF outlines, no STSong-Light).

Order: a path chosen in settings on this PC, the Windows fonts (SimSun, SimHei,
Microsoft YaHei), well-known Linux paths (WenQuanYi, AR PL) and fontconfig's
Chinese fonts, and last the font the packaged build carries. Noto Sans CJK is
CFF-outlined and is skipped even when fontconfig ranks it first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from models.failures import ReviewDeskError

TRUETYPE_SIGNATURES = (b"\x00\x01\x00\x00", b"true")
WINDOWS_FONTS = ("simsun.ttc", "simhei.ttf", "msyh.ttc", "msyh.ttf", "simkai.ttf", "simfang.ttf")
LINUX_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)


PDF_FONT_SETTING = "pdf_font"
"""The workspace setting that once named the sheets' font: no longer read (the font is this PC's choice)."""


def _font_preference() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("ReviewDesk", appauthor=False)) / "sheet-font.txt"


def chosen_font() -> str | None:
    """The font file chosen for sheets and notices on this PC, or None (found automatically).

    A preference of the PC, like its printer, not a workspace setting: no row an
    insider edits changes the font that every PC's sheets are drawn with, and the
    signed sheet embeds the glyphs it was drawn with whichever file they came from.
    """
    try:
        text = _font_preference().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def choose_font(path: str) -> None:
    """Remember ``path`` as this PC's font for sheets (empty: find one automatically)."""
    target = _font_preference()
    if not path.strip():
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_suffix(".tmp")
    staged.write_text(path.strip(), encoding="utf-8")
    os.replace(staged, target)


class NoCjkFont(ReviewDeskError):
    """No TrueType font with Chinese glyphs was found."""


@dataclass(frozen=True, slots=True)
class FontChoice:
    path: Path
    subfont_index: int
    origin: str


def truetype_subfont(path: Path) -> int | None:
    """Index of the first TrueType-outlined font in a .ttf/.ttc, or None (CFF, unreadable)."""
    try:
        with path.open("rb") as font:
            head = font.read(4)
            if head in TRUETYPE_SIGNATURES:
                return 0
            if head != b"ttcf":
                return None
            font.read(4)
            count = int.from_bytes(font.read(4), "big")
            offsets = [int.from_bytes(font.read(4), "big") for _ in range(min(count, 16))]
            for index, offset in enumerate(offsets):
                font.seek(offset)
                if font.read(4) in TRUETYPE_SIGNATURES:
                    return index
    except OSError:
        return None
    return None


def _bundled() -> list[Path]:
    folder = resources.files("resources").joinpath("fonts")
    try:
        return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.lower().endswith((".ttf", ".ttc")))
    except (FileNotFoundError, NotADirectoryError, OSError):
        return []


def _windows() -> list[Path]:
    if sys.platform != "win32":
        return []
    folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [folder / name for name in WINDOWS_FONTS]


def _fontconfig() -> list[Path]:
    if not shutil.which("fc-list"):
        return []
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                                 timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({Path(line.split(":")[0].strip()) for line in listing.splitlines() if line.strip()})


def candidates(configured: str | None = None) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    if configured:
        found.append((Path(configured), "设置"))
    found += [(path, "Windows") for path in _windows()]
    found += [(Path(path), "系统") for path in LINUX_FONTS]
    found += [(path, "fontconfig") for path in _fontconfig()]
    found += [(path, "内置") for path in _bundled() if not _fallback_only(path)]
    return found


def _fallback_only(path: Path) -> bool:
    """HanaMin and SimSun-ExtB cover only the CJK Extensions: never the main font of a sheet."""
    return path.name.lower().startswith(("hanamin", "simsunb"))


def find_cjk_font(configured: str | None = None) -> FontChoice:
    """The first usable TrueType CJK font. Raises :class:`NoCjkFont` naming what to install."""
    for path, origin in candidates(configured):
        if path.is_file():
            index = truetype_subfont(path)
            if index is not None:
                return FontChoice(path, index, origin)
    raise NoCjkFont(
        "找不到可嵌入 PDF 的中文 TrueType 字体。请安装文泉驿微米黑（Debian/UOS：apt install fonts-wqy-microhei），"
        "或在设置中指定 SimSun/SimHei/微软雅黑 等 .ttf/.ttc 字体文件。"
    )


_registered: dict[Path, str] = {}


def register_reportlab_font(configured: str | None = None) -> str:
    """Register the CJK font with reportlab once per process; returns its font name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    choice = find_cjk_font(configured)
    name = _registered.get(choice.path)
    if name is None:
        name = f"CJK-{len(_registered)}"
        pdfmetrics.registerFont(TTFont(name, str(choice.path), subfontIndex=choice.subfont_index))
        _registered[choice.path] = name
    return name


# Fonts for the CJK Extension characters the main font lacks (such as 䶮 in Ext A and 𠮷 in Ext B):
# SimSun-ExtB on Windows, HanaMin (Debian's fonts-hanazono) on Linux, in this order after the main font.
FALLBACK_WINDOWS_FONTS = ("simsunb.ttf",)
FALLBACK_LINUX_FONTS = (
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
)


def fallback_fonts() -> list[Path]:
    """The TrueType fallback fonts present on this computer, in the order they are tried."""
    found: list[Path] = []
    if sys.platform == "win32":
        folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        found += [folder / name for name in FALLBACK_WINDOWS_FONTS]
    found += [Path(path) for path in FALLBACK_LINUX_FONTS]
    found += [path for path in _bundled() if _fallback_only(path)]
    return [path for path in dict.fromkeys(found) if path.is_file() and truetype_subfont(path) is not None]


def register_reportlab_fallbacks() -> list[str]:
    """Register the fallback fonts with reportlab once per process; returns their font names in order."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names: list[str] = []
    for path in fallback_fonts():
        name = _registered.get(path)
        if name is None:
            name = f"CJK-{len(_registered)}"
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=truetype_subfont(path) or 0))
            _registered[path] = name
        names.append(name)
    return names
