"""Assessing an intake file without storing anything: the one way in for CLI and GUI."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from policy.assessment import Assessment
from policy.catalog import Policy, load_policy
from policy.engine import assess_batch
from policy.history import History


def assess_file(path: str | Path, history: History | None = None,
                policy: Policy | None = None) -> list[Assessment]:
    """Read, validate and assess ``path`` in file order.

    Raises ``models.intake.problems.ImportRejected`` when the file cannot be read or has
    any invalid row; nothing is assessed then.
    """
    from models.intake.validate import read_applications

    policy = policy or load_policy()
    apps = read_applications(path, policy)
    return assess_batch(apps, policy, history)


def assess_file_in_workspace(path: str | Path, db: Database, policy: Policy | None = None) -> list[Assessment]:
    """As :func:`assess_file`, against the workspace's approvals and pending applications.

    An application of the file that is already in the workspace does not count
    against itself, as on ``import --update``.
    """
    from models.intake.validate import read_applications
    from models.review.history import WorkspaceHistory

    policy = policy or load_policy()
    apps = read_applications(path, policy)
    history = WorkspaceHistory(db, except_ids=frozenset(app.application_id for app in apps))
    return assess_batch(apps, policy, history)
