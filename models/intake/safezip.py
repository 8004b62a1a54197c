"""Extracting an evidence ZIP all-or-nothing, refusing anything that could escape or explode.

Every entry is checked before a byte is written; a bad entry is reported, never
renamed. Extraction goes to a fresh hidden folder inside ``dest`` and is moved
into place only when every entry came out at its declared size.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from models.failures import BadInput

CHUNK = 1 << 20
FLAG_ENCRYPTED = 0x1
FLAG_UTF8 = 0x800
SUPPORTED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}

_DRIVE = re.compile(r"^[A-Za-z]:")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_WINDOWS_FORBIDDEN = set('<>:"|?*')


@dataclass(frozen=True, slots=True)
class ZipLimits:
    max_entries: int = 2000
    max_total_size: int = 2 << 30
    max_file_size: int = 500 << 20
    max_ratio: int = 100
    ratio_min_size: int = 1 << 20  # entries up to this size may compress any amount


class UnsafeArchive(BadInput):
    """The archive was not extracted; ``problems`` lists every reason."""

    def __init__(self, zip_name: str | Path, problems: list[str]) -> None:
        self.zip_name = Path(zip_name).name
        self.problems = list(problems)
        super().__init__(self.zip_name, self.problems)

    def lines(self) -> list[str]:
        return [f"压缩包 {self.zip_name} 未导入，共 {len(self.problems)} 处问题", *self.problems]

    def __str__(self) -> str:
        return "\n".join(self.lines())


@dataclass(frozen=True, slots=True)
class _Entry:
    info: zipfile.ZipInfo
    name: str  # decoded and NFC-normalised, "/"-separated
    parts: tuple[str, ...]


def decode_name(info: zipfile.ZipInfo) -> str:
    """The entry name as the archiver meant it (GBK when the UTF-8 flag is off)."""
    raw = info.orig_filename  # before zipfile cuts at NUL or swaps separators
    if info.flag_bits & FLAG_UTF8:
        return raw
    try:
        return raw.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def _shown(name: str) -> str:
    if not name:
        return "（空名称）"
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in name)


def _name_problems(name: str) -> list[str]:
    if not name:
        return ["名称为空"]
    found: list[str] = []
    if "\x00" in name:
        found.append("名称含 NUL 字符")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name.replace("\x00", "")):
        found.append("名称含控制字符")
    if "\\" in name:
        found.append("名称含反斜杠")
    if name.replace("\\", "/").startswith("/"):
        found.append("是绝对路径")
    if _DRIVE.match(name):
        found.append("含盘符")
    parts = name.replace("\\", "/").rstrip("/").split("/")
    if ".." in parts:
        found.append("含上级目录（..）")
    inner = parts[1:] if name.startswith(("/", "\\")) else parts
    if any(part in ("", ".") for part in inner):
        found.append("路径含空段或“.”")
    if any(c in _WINDOWS_FORBIDDEN for c in (name[2:] if _DRIVE.match(name) else name)):
        found.append('名称含 Windows 不允许的字符（<>:"|?*）')
    if any(part.endswith((" ", ".")) for part in parts if part not in ("", ".", "..")):
        found.append("名称以空格或“.”结尾")
    if any(_WINDOWS_RESERVED.match(part) for part in parts):
        found.append("名称是 Windows 保留设备名")
    return found


def _check(infos: list[zipfile.ZipInfo], dest: Path, limits: ZipLimits) -> tuple[list[_Entry], list[str]]:
    problems: list[str] = []
    if dest.exists() and not dest.is_dir():
        problems.append(f"目标位置 {dest} 不是文件夹")
    if len(infos) > limits.max_entries:
        problems.append(f"条目数 {len(infos)} 超过上限 {limits.max_entries}")
    entries: list[_Entry] = []
    seen: dict[str, int] = {}
    total = 0
    for index, info in enumerate(infos, start=1):
        name = unicodedata.normalize("NFC", decode_name(info))
        label = f"第{index}项 {_shown(name)}："
        found = _name_problems(name)
        if name.endswith("/") and not found:
            continue  # directory entry: folders come from the file paths
        if stat.S_ISLNK(info.external_attr >> 16):
            found.append("是符号链接")
        if info.flag_bits & FLAG_ENCRYPTED:
            found.append("已加密")
        if info.compress_type not in SUPPORTED_METHODS:
            found.append(f"压缩方式 {info.compress_type} 不受支持")
        if info.file_size > limits.max_file_size:
            found.append(f"大小 {info.file_size} 字节超过单个文件上限 {limits.max_file_size} 字节")
        if (info.file_size > limits.ratio_min_size
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
            found.append(f"压缩比超过 {limits.max_ratio}:1，疑似压缩炸弹")
        key = unicodedata.normalize("NFC", name.casefold())
        if key in seen:
            found.append(f"与第{seen[key]}项重名（不区分大小写）")
        else:
            seen[key] = index
        total += info.file_size
        problems.extend(label + reason for reason in found)
        if not found:
            entries.append(_Entry(info, name, tuple(name.split("/"))))
    if total > limits.max_total_size:
        problems.append(f"解压后总大小 {total} 字节超过上限 {limits.max_total_size} 字节")
    problems.extend(_layout_problems(entries, seen, dest))
    if not problems:
        free = shutil.disk_usage(_existing_ancestor(dest)).free
        if total > free:
            problems.append(f"磁盘空间不足：需要 {total} 字节，可用 {free} 字节")
    return entries, problems


def _layout_problems(entries: list[_Entry], seen: dict[str, int], dest: Path) -> list[str]:
    """A file that is also another file's folder, or a top-level name already in ``dest``."""
    found: list[str] = []
    for entry in entries:
        for depth in range(1, len(entry.parts)):
            folder = unicodedata.normalize("NFC", "/".join(entry.parts[:depth]).casefold())
            if folder in seen:
                found.append(f"{_shown(entry.name)}：所在文件夹与第{seen[folder]}项文件同名")
                break
    names = os.listdir(dest) if dest.is_dir() else []
    existing = {unicodedata.normalize("NFC", p.casefold()) for p in names}
    clashing = sorted({e.parts[0] for e in entries
                       if unicodedata.normalize("NFC", e.parts[0].casefold()) in existing})
    found.extend(f"{_shown(top)}：目标文件夹中已存在同名文件或文件夹" for top in clashing)
    return found


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _inside(path: Path, folder: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(folder):
        raise UnsafeArchive("", [f"{path}：解压位置超出目标文件夹"])
    return resolved


def _extract_one(archive: zipfile.ZipFile, entry: _Entry, staging: Path, dest: Path) -> None:
    _inside(dest.joinpath(*entry.parts), dest)
    target = _inside(staging.joinpath(*entry.parts), staging)
    target.parent.mkdir(parents=True, exist_ok=True)
    declared = entry.info.file_size
    written = 0
    with archive.open(entry.info) as source, open(target, "xb") as sink:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > declared:  # a lying header: stop before the disk fills
                raise ValueError(f"实际大小超过声明的 {declared} 字节，已中止")
            sink.write(chunk)
    if written != declared:
        raise ValueError(f"实际大小 {written} 字节与声明的 {declared} 字节不符")


def _move_into_place(staging: Path, dest: Path) -> None:
    moved: list[tuple[Path, Path]] = []
    try:
        for item in sorted(staging.iterdir()):
            final = dest / item.name
            if final.exists() or final.is_symlink():
                raise FileExistsError(f"{item.name}：目标文件夹中已存在同名文件或文件夹")
            os.rename(item, final)
            moved.append((final, item))
    except OSError as error:
        _roll_back(moved)
        raise UnsafeArchive("", [f"无法移入目标文件夹：{error}"]) from None
    except BaseException:
        _roll_back(moved)
        raise


def _roll_back(moved: list[tuple[Path, Path]]) -> None:
    for final, item in reversed(moved):
        try:
            os.rename(final, item)
        except OSError:
            pass


def extract_evidence_zip(zip_path: str | Path, dest: str | Path,
                         limits: ZipLimits = ZipLimits()) -> dict[str, Path]:
    """Extract every file of ``zip_path`` under ``dest``; name in archive → extracted path.

    Raises ``UnsafeArchive`` (and leaves ``dest`` as it was) on any problem.
    """
    zip_path = Path(zip_path)
    dest = Path(dest).resolve()
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, ValueError) as error:
        raise UnsafeArchive(zip_path, [f"无法读取压缩包：{error}"]) from None
    with archive:
        entries, problems = _check(archive.infolist(), dest, limits)
        if problems:
            raise UnsafeArchive(zip_path, problems)
        created = not dest.exists()
        dest.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unzip-", dir=dest))
        done = False
        try:
            for entry in entries:
                try:
                    _extract_one(archive, entry, staging, dest)
                except (OSError, ValueError, EOFError, NotImplementedError, RuntimeError,
                        zipfile.BadZipFile, zlib.error) as error:
                    reason = "数据校验（CRC-32）不符，压缩包已损坏或被改动" if "CRC" in str(error) else error
                    raise UnsafeArchive(zip_path, [f"{_shown(entry.name)}：解压失败（{reason}）"]) from None
            _move_into_place(staging, dest)
            done = True
        except UnsafeArchive as error:
            raise UnsafeArchive(zip_path, error.problems) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if created and not done:
                try:
                    dest.rmdir()
                except OSError:
                    pass
    return {entry.name: dest.joinpath(*entry.parts) for entry in entries}
