"""Assessing an intake file without storing anything: the one way in for CLI and GUI."""

from __future__ import annotations

from pathlib import Path

from policy.assessment import Assessment
from policy.catalog import Policy, load_policy
from policy.engine import assess_batch
from policy.history import History


def assess_file(path: str | Path, history: History | None = None,
                policy: Policy | None = None) -> list[Assessment]:
    """Read, validate and assess ``path`` in file order.

    Raises ``models.errors.ImportRejected`` when the file cannot be read or has
    any invalid row; nothing is assessed then.
    """
    from models.importer import read_applications

    policy = policy or load_policy()
    apps = read_applications(path, policy)
    return assess_batch(apps, policy, history)
