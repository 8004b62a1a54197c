"""Which file an 附件 name means, in an evidence folder or ZIP.

附件 holds paths relative to the evidence root (``LC2024-001/营业执照.pdf``). A name is
looked for as written, then in the application's own ``<申报编号>/`` or ``<企业名称>/`` folder,
then as the end of a path anywhere (a ZIP of a folder wraps everything in that folder):
one match is the file; among several, the one inside a folder named by the application's
申报编号 or 企业名称, at any depth; otherwise it is an error naming them all. So
per-enterprise folders that all hold a 营业执照.pdf import fine. Symbolic links that lead
out of the evidence folder are never followed.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SHOWN_CANDIDATES = 10
_LINK_OUT = "“{name}”是指向附件目录之外的符号链接，已拒绝"


@dataclass(frozen=True, slots=True)
class EvidenceFiles:
    files: dict[str, Path]  # path relative to the root, with / → the file to store
    outside: frozenset[str] = field(default=frozenset())  # links out of the root, refused
    by_name: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, files: dict[str, Path], outside: frozenset[str] = frozenset()) -> EvidenceFiles:
        by_name: dict[str, list[str]] = {}
        for relative in sorted(files):
            by_name.setdefault(posixpath.basename(relative), []).append(relative)
        return cls(files, outside, by_name)

    def resolve(self, application_id: str, name: str, enterprise_name: str = "",
                folders: ApplicationFolders | None = None) -> str | tuple[str]:
        """The relative path ``name`` means for ``application_id``, or (why not,) as a one-tuple.

        ``folders`` knows the import's other applications: a file found only in another one's folder is refused.
        """
        wanted = posixpath.normpath(name.replace("\\", "/").strip()).removeprefix("./")
        if wanted.startswith(("/", "../")) or wanted == ".." or ":" in wanted.split("/")[0]:
            return (f"附件路径“{name}”须为附件目录内的相对路径",)
        own_folders = [folder for folder in (application_id, enterprise_name.strip()) if folder]
        for candidate in (wanted, *(f"{folder}/{wanted}" for folder in own_folders)):
            if candidate in self.outside:
                return (_LINK_OUT.format(name=candidate),)
            if candidate in self.files:
                return candidate
        matches = [path for path in self.by_name.get(posixpath.basename(wanted), [])
                   if path == wanted or path.endswith("/" + wanted)]
        folders = folders or ApplicationFolders.of([(application_id, enterprise_name)])
        owners = {path: frozenset().union(*(folders.named_by(folder) for folder in path.split("/")[:-1]))
                  for path in matches}
        if len(matches) > 1:
            own = [path for path in matches if application_id in owners[path]]
            matches = own if len(own) == 1 else matches
        if len(matches) == 1:
            others = owners[matches[0]] - {application_id}
            if others and application_id not in owners[matches[0]]:
                return (f"“{name}”只见于申报 {'、'.join(sorted(others))} 的文件夹（{matches[0]}），不能作为本申报的附件；"
                        f"请放入“{application_id}/”文件夹或写明相对路径",)
            return matches[0]
        if not matches:
            links = sorted(link for link in self.outside if link == wanted or link.endswith("/" + wanted))
            return (_LINK_OUT.format(name=links[0]) if links else f"附件目录中找不到“{name}”",)
        shown = "、".join(matches[:SHOWN_CANDIDATES]) + ("等" if len(matches) > SHOWN_CANDIDATES else "")
        return (f"“{name}”对应 {len(matches)} 个文件：{shown}；请写明相对路径，或放入“{application_id}/”文件夹",)


_ORDINAL = re.compile(r"[0-9]+[\s.、_\-—)）]*")
_SEPARATORS = " \t.、_-—"


def folder_keys(folder: str) -> set[str]:
    """What a folder's name may name, as desks name them: ``LC2024-001``, ``聊城恒润纺织有限公司``,
    ``01-聊城恒润纺织有限公司`` and ``LC2024-001 聊城恒润纺织有限公司`` (both parts); never a name merely contained."""
    keys = {folder}
    if _ORDINAL.match(folder):
        keys.add(_ORDINAL.sub("", folder, count=1))
    for separator in _SEPARATORS:
        head, found, tail = folder.partition(separator)
        if found and head and tail.strip(_SEPARATORS):
            keys.add(f"{head}\x00{tail.strip(_SEPARATORS)}")
    return keys


@dataclass(frozen=True, slots=True)
class ApplicationFolders:
    """Which applications of one import each folder name names, by its 申报编号 or its 企业名称."""

    by_key: dict[str, frozenset[str]]

    @classmethod
    def of(cls, applications: Iterable[tuple[str, str]]) -> ApplicationFolders:
        by_key: dict[str, set[str]] = {}
        for application_id, enterprise in applications:
            for key in (application_id, enterprise.strip(), f"{application_id}\x00{enterprise.strip()}"):
                if key and not key.endswith("\x00"):
                    by_key.setdefault(key, set()).add(application_id)
        return cls({key: frozenset(ids) for key, ids in by_key.items()})

    def named_by(self, folder: str) -> frozenset[str]:
        return frozenset().union(*(self.by_key.get(key, frozenset()) for key in folder_keys(folder)))


def folder_files(root: Path) -> EvidenceFiles:
    """Every regular file under ``root``; links are followed only where they stay inside it."""
    base = root.resolve()
    files: dict[str, Path] = {}
    outside: set[str] = set()
    for folder, subfolders, names in os.walk(base, followlinks=False):
        here = Path(folder)
        for name in [*names, *(s for s in subfolders if (here / s).is_symlink())]:
            path = here / name
            relative = path.relative_to(base).as_posix()
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(base):
                    outside.add(relative)
                    continue
                if target.is_dir():
                    continue  # its files are listed where they really are
            if path.is_file():
                files[relative] = path
    return EvidenceFiles.of(files, frozenset(outside))
