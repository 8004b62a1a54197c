"""The policy versions a workspace's applications were assessed under, for views over many of them.

One application takes its version from its stored record (``casefile.stored_version``);
the queue, the summary and the statistics show applications of every version the
workspace holds, so they read names and orders from all of those versions.
"""

from __future__ import annotations

from models.workspace.database import Database

from policy.catalog import Policy, load_policy
from policy.versions import versions
from models.workspace.records import policy_versions_named


def versions_in_use(db: Database) -> list[Policy]:
    """Every version an assessment or an import of the workspace names, oldest in force first.

    A version this build does not know is left out: its applications show their item ids.
    """
    named = policy_versions_named(db)
    known = versions()
    ordered = sorted((version for version in named if version in known),
                     key=lambda version: (known[version].in_force_from, version))
    return [load_policy(version) for version in ordered]


def item_names(db: Database) -> dict[str, str]:
    """Item id → name over the versions in use; a later version's name wins."""
    names: dict[str, str] = {}
    for policy in versions_in_use(db):
        names.update((item.id, item.name) for item in policy.items.values())
    return names


def item_order(db: Database) -> list[str]:
    """Item names in policy order, the oldest version's order first."""
    return list(dict.fromkeys(item.name for policy in versions_in_use(db) for item in policy.items.values()))


def measures(db: Database) -> list[str]:
    """The measures (产业) of the versions in use, in their documents' order."""
    return list(dict.fromkeys(measure for policy in versions_in_use(db) for measure in policy.measures))
