"""A file's applications validated a chunk at a time as its rows are read: what ``TableRows`` over the whole
file gives, chunk for chunk, holding a couple of chunks rather than the file.

A CSV's rows come a piece at a time (``readers.read_table_in_pieces``); any other file's all at once. Each
chunk holds exactly ``chunk_rows`` applications (the last fewer), as the whole file cut into chunks would. The
合计 rows and footer lines at the bottom of the file are not applications, but rows like them at the end of a
piece are only known to be at the bottom once the rest of the file is read: they wait, carried into the next
piece, and are validated as applications if an application follows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from policy.application import Application
from policy.catalog import Policy

from models.intake.problems import Problem
from models.intake.readers import RawTable, read_table_in_pieces
from models.intake.validate import TableRows


@dataclass(frozen=True, slots=True)
class ValidatedChunk:
    start: int
    """The index of its first application in the file."""
    problems: list[Problem]
    applications: list[Application]
    """Empty when it has problems."""


class TableChunks:
    """``path``'s applications under ``policy``: :attr:`problems` of the whole file (reading it, its header) once
    made, then :meth:`chunks`; :attr:`count` is the number of applications validated so far (the file's, once
    :meth:`chunks` has ended). Reading errors (``UnreadableFile``) are raised as they are met."""

    def __init__(self, path: Path, policy: Policy, chunk_rows: int) -> None:
        read = read_table_in_pieces(path, chunk_rows)
        self._pieces = read.pieces
        self._rows = TableRows(read.head, policy)
        self._chunk_rows = chunk_rows
        self.problems = self._rows.problems
        self.count = 0

    def chunks(self) -> Iterator[ValidatedChunk]:
        for start, applications in self._applications():
            self._rows.hold(applications, start)
            found, apps = self._rows.validate(start, start + len(applications.row_numbers))
            self.count = start + len(applications.row_numbers)
            yield ValidatedChunk(start, found, apps)

    def _applications(self) -> Iterator[tuple[int, RawTable]]:
        """The applications' rows, ``chunk_rows`` at a time, each with the index of its first."""
        size = self._chunk_rows
        waiting: RawTable | None = None  # rows read and not yet given
        totals = 0  # how many of waiting's last rows are 合计 rows or footer lines
        start = 0
        for piece in self._pieces:
            piece = self._rows.candidates(piece)
            count = len(piece.row_numbers)
            if not count:
                continue
            ending = self._rows.trailing_totals(piece)
            totals = totals + count if ending == count else ending
            waiting = piece if waiting is None else waiting.joined(piece)
            ready = len(waiting.row_numbers) - totals
            given = ready - ready % size
            for at in range(0, given, size):
                yield start, waiting.sliced(at, at + size)
                start += size
            waiting = waiting.sliced(given, len(waiting.row_numbers))
        if waiting is not None:  # fewer than a chunk, and then the file's 合计 rows and footer lines
            last = len(waiting.row_numbers) - totals
            if last:
                yield start, waiting.sliced(0, last)
