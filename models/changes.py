"""What a state change touched, so a view refreshes exactly that (Anki's ``OpChanges``).

A model function that changes the workspace returns one (or a result that
carries one); the GUI refreshes from it and never re-derives a rule of the
review to guess what else moved.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Changes:
    """``applications``: rows whose application, assessment or decisions changed. ``queue``: rows were added or
    replaced in number, so the whole queue is read again."""

    applications: tuple[str, ...] = ()
    queue: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(tuple(dict.fromkeys(self.applications + other.applications)), self.queue or other.queue)


NOTHING = Changes()
