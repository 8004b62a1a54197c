"""The sitting: who is reviewing, their unlocked signing keys, and the checklist ticks so far.

A reviewer types their passphrase once per sitting; the unlocked key stays
here, in memory only, until the program closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec


@dataclass
class ReviewSession:
    roles: dict[str, str] = field(default_factory=dict)  # reviewer name → role
    current: str | None = None
    _keys: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=dict, repr=False)
    _ticks: dict[tuple[str, str], set[int]] = field(default_factory=dict)

    @property
    def role(self) -> str | None:
        return self.roles.get(self.current) if self.current else None

    def is_unlocked(self, name: str) -> bool:
        return name in self._keys

    def remember_key(self, name: str, key: ec.EllipticCurvePrivateKey) -> None:
        self._keys[name] = key

    def key(self, name: str) -> ec.EllipticCurvePrivateKey | None:
        return self._keys.get(name)

    def forget_keys(self) -> None:
        self._keys.clear()

    def ticks(self, application_id: str) -> set[int]:
        """Checklist positions the current reviewer ticked for ``application_id`` (a live set)."""
        return self._ticks.setdefault((application_id, self.current or ""), set())
