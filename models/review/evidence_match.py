"""Which evidence file answers each checklist requirement: by the file's name, never by its position.

The intake desk names each file after the requirement it answers, usually behind the
申报编号 (``LC2024-001-营业执照.pdf``); some desks use an English word instead
(``LC2024-0062-certificate.pdf``). A requirement no file names is left unmatched, and the
reviewer is told so rather than shown some other file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path, PurePath

# English words seen in file names → the requirements they stand for (in preference order).
ENGLISH_NAMES: dict[str, tuple[str, ...]] = {
    "certificate": ("认定文件", "入选公告或认定文件", "人才工程入选文件", "驰名商标行政认定文件", "马德里国际注册证明"),
    "licence": ("营业执照",),
    "license": ("营业执照",),
    "invoice": ("设备购置发票及清单",),
    "receipt": ("上级资助拨付凭证",),
    "report": ("绩效评估报告", "申请报告"),
    "contract": ("设备(含软件)购置合同及付款凭证", "人才劳动合同及社保证明", "场地租赁或合作协议"),
    "filing": ("项目备案(核准)文件",),
    "trademark": ("商标注册证",),
    "standard": ("标准文本及发布公告",),
}
EVIDENCE_FOLDER_NAMES = ("附件", "attachments", "evidence")

_SEPARATORS = re.compile(r"[\s\-_·.、，,]+")
EXACT, CONTAINS, ENGLISH, CONTAINED = 4, 3, 2, 1


def _normal(text: str) -> str:
    """Full-width brackets and letters as ASCII, lower case, no spaces or separators."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).lower())


def _stem(file_name: str, application_id: str) -> str:
    stem = PurePath(file_name).stem if PurePath(file_name).suffix.isascii() else file_name
    normal = _normal(stem)
    prefix = _normal(application_id)
    return normal[len(prefix):] if prefix and normal.startswith(prefix) else normal


def _words(file_name: str) -> set[str]:
    return {w for w in _SEPARATORS.split(unicodedata.normalize("NFKC", PurePath(file_name).stem).lower()) if w}


def score(requirement: str, file_name: str, application_id: str = "") -> int:
    """How well ``file_name`` names ``requirement``: 0 (not at all) up to :data:`EXACT`."""
    wanted, stem = _normal(requirement), _stem(file_name, application_id)
    if not stem:
        return 0
    if stem == wanted:
        return EXACT
    if wanted in stem:
        return CONTAINS
    if any(_normal(requirement) in (_normal(r) for r in ENGLISH_NAMES.get(word, ())) for word in _words(file_name)):
        return ENGLISH
    if len(stem) >= 2 and stem in wanted:
        return CONTAINED
    return 0


def match_requirements(requirements: Sequence[str], file_names: Sequence[str],
                       application_id: str = "") -> list[int | None]:
    """For each requirement, the index into ``file_names`` of the file that answers it, or None.

    Best-named pairs are taken first; each file answers one requirement at most.
    """
    pairs = sorted(
        ((score(requirement, name, application_id), r, f)
         for r, requirement in enumerate(requirements) for f, name in enumerate(file_names)),
        key=lambda pair: (-pair[0], pair[1], pair[2]))
    matched: list[int | None] = [None] * len(requirements)
    taken: set[int] = set()
    for points, r, f in pairs:
        if points and matched[r] is None and f not in taken:
            matched[r] = f
            taken.add(f)
    return matched


def evidence_folder_beside(intake_file: Path) -> Path | None:
    """The folder an intake desk ships next to its file (``附件/`` or ``<file name>/``), if there is one."""
    for name in (intake_file.stem, f"{intake_file.stem}附件", *EVIDENCE_FOLDER_NAMES):
        candidate = intake_file.parent / name
        if candidate.is_dir():
            return candidate
    return None
