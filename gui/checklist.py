"""Which evidence file each checklist entry points to: by name first, then in order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from models.casefile import EvidenceFile


def match_checklist(checklist: Sequence[str], files: Sequence[EvidenceFile]) -> list[int | None]:
    """For each checklist entry, the index into ``files`` it opens, or None.

    A file whose name contains the entry (or is contained in it) matches it;
    entries left over take the files left over, in order.
    """
    matched: list[int | None] = [None] * len(checklist)
    taken: set[int] = set()
    for n, entry in enumerate(checklist):
        for f, file in enumerate(files):
            stem = PurePath(file.name).stem
            if f not in taken and stem and (entry in stem or stem in entry):
                matched[n] = f
                taken.add(f)
                break
    free = [f for f in range(len(files)) if f not in taken]
    for n in range(len(checklist)):
        if matched[n] is None and free:
            matched[n] = free.pop(0)
    return matched
