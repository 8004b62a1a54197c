"""Evidence files an import adds to the store, removed again when the import does not commit.

An import copies its evidence into the content-addressed store before its transaction. It works in
a scratch folder ``.import-…`` claimed with its process id (``models.workspace.leftovers``), and lists
there each file new to the store before the file appears in it. When the import fails, the listed
files that no ``evidence`` row refers to are deleted under the write lock, so that no other import
can commit a reference to one meanwhile (an import checks, inside its transaction, that every file it
refers to is still stored). A killed import leaves its folder; the next import does the same for it
and says so on the ``reviewdesk`` logger.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from models.workspace.evidence import EvidenceStore, is_digest
from models.workspace.leftovers import abandoned_scratch
from models.workspace.workspace import Workspace

SCRATCH_PREFIX = ".import-"
LISTING = "new-evidence.txt"
LOG = logging.getLogger("reviewdesk")


class NewEvidence:
    """The listing, in an import's scratch folder, of the files it added to the store."""

    def __init__(self, scratch: Path) -> None:
        self._listing = scratch / LISTING

    def note(self, sha256: str) -> None:
        with self._listing.open("a", encoding="ascii") as listing:
            listing.write(sha256 + "\n")

    def listed(self) -> list[str]:
        try:
            text = self._listing.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return []
        return list(dict.fromkeys(line for line in text.splitlines() if line))


def discard_unreferenced(ws: Workspace, sha256s: list[str]) -> int:
    """Delete those of ``sha256s`` that no ``evidence`` row refers to; how many were deleted."""
    if not sha256s:
        return 0
    store = EvidenceStore(ws.evidence_dir)
    removed = 0
    with ws.db.atomic():  # the write lock: no import commits a reference to one of them while we look
        for sha256 in sha256s:
            try:
                target = store.path_of(sha256)
            except ValueError:  # not a digest: nothing this module wrote
                continue
            if target.is_file() and ws.db.execute("SELECT 1 FROM evidence WHERE sha256 = :sha256",
                                                  {"sha256": sha256}).fetchone() is None:
                store.remove(sha256)
                removed += 1
    return removed


def clean_abandoned_imports(ws: Workspace) -> list[Path]:
    """Undo what killed imports left: their unreferenced evidence files and their scratch folders."""
    cleaned = []
    store = EvidenceStore(ws.evidence_dir)
    for folder in abandoned_scratch(ws.folder, SCRATCH_PREFIX):
        listed = NewEvidence(folder).listed()
        removed = discard_unreferenced(ws, listed)
        parts = sum(len(store.remove_dead_parts(sha256)) for sha256 in listed if is_digest(sha256))
        shutil.rmtree(folder, ignore_errors=True)
        LOG.warning("已清理上次导入中断时留下的临时文件：%s（删除未被引用的附件 %d 个、未复制完的附件 %d 个）",
                    folder, removed, parts)
        cleaned.append(folder)
    return cleaned
