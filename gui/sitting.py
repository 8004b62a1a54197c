"""The signing sitting: who is reviewing, their unlocked key, and the checklist ticks so far.

One key is unlocked at a time, for its owner only. Choosing another reviewer
locks the previous one, so acting as anyone else always asks that person's
passphrase; the key also locks after ``idle_seconds`` without use (设置,
default 10 minutes). The key lives in memory only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

DEFAULT_IDLE_MINUTES = 10
IDLE_MINUTES_KEY = "session/idle_minutes"
IDLE_CHECK_MS = 15_000


def idle_minutes() -> int:
    """The idle time after which a signing key locks, from 设置 (1–240 minutes, default 10)."""
    from gui.settings_store import app_settings

    try:
        value = int(cast("int | str", app_settings().value(IDLE_MINUTES_KEY, DEFAULT_IDLE_MINUTES)))  # a number or its text
    except (TypeError, ValueError):
        value = DEFAULT_IDLE_MINUTES
    return min(max(value, 1), 240)


@dataclass
class ReviewSession:
    roles: dict[str, str] = field(default_factory=dict)  # reviewer name → role
    current: str | None = None
    idle_seconds: float = DEFAULT_IDLE_MINUTES * 60
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _owner: str | None = field(default=None, repr=False)
    _key: ec.EllipticCurvePrivateKey | None = field(default=None, repr=False)
    _used_at: float = field(default=0.0, repr=False)
    _ticks: dict[tuple[str, str], set[int]] = field(default_factory=dict)

    @property
    def role(self) -> str | None:
        return self.roles.get(self.current) if self.current else None

    def idle_expired(self) -> bool:
        """Whether the unlocked key has gone unused for longer than the idle time (it is then locked)."""
        if self._key is not None and self.clock() - self._used_at > self.idle_seconds:
            self.lock()
            return True
        return False

    def is_unlocked(self, name: str) -> bool:
        return not self.idle_expired() and self._key is not None and self._owner == name

    def remember_key(self, name: str, key: ec.EllipticCurvePrivateKey) -> None:
        """Unlock ``name``'s key; whoever was unlocked before is locked."""
        self._owner, self._key, self._used_at = name, key, self.clock()

    def key(self, name: str) -> ec.EllipticCurvePrivateKey | None:
        """``name``'s key when it is the one unlocked and not idle; each use restarts the idle time."""
        if not self.is_unlocked(name):
            return None
        self._used_at = self.clock()
        return self._key

    def lock(self) -> None:
        self._owner, self._key = None, None

    def forget_keys(self) -> None:
        self.lock()

    def ticks(self, application_id: str) -> set[int]:
        """Checklist positions the current reviewer ticked for ``application_id`` (a live set)."""
        return self._ticks.setdefault((application_id, self.current or ""), set())
