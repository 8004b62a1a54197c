"""Assessing an intake file, and the policy version an import round is assessed under.

An import is one round: its 申报年度 (the year of import when the column is blank)
names the policy version in force; a reviewer may choose another version for the
whole file, which the import records as a choice (see ``PolicyRound``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from models.workspace.database import Database
from policy.application import Application
from policy.assessment import Assessment
from policy.catalog import Policy, load_policy
from policy.engine import assess_batch
from policy.history import History
from policy.versions import NoPolicyVersion, current_version, version_for_year, versions

from models.intake.problems import ImportRejected, Problem, UnreadableFile

YEAR_COLUMN = "申报年度"


@dataclass(frozen=True, slots=True)
class PolicyRound:
    """The version an import is assessed under and the version its 申报年度 call for."""

    policy: Policy
    by_year: str
    years: tuple[int, ...]

    @property
    def chosen(self) -> bool:
        """A reviewer set a version other than the one the years call for."""
        return self.policy.version != self.by_year

    def audit_details(self) -> dict[str, object]:
        return {"policy_version": self.policy.version, "policy_by_year": self.by_year, "years": list(self.years)}


def first_policy(path: str | Path, chosen_version: str | None = None) -> Policy:
    """The version a file is read under first: the one chosen, else the one in force today.

    Raises ``UnreadableFile`` when ``chosen_version`` is not registered.
    """
    if not chosen_version:
        return load_policy(current_version().id)
    try:
        return load_policy(chosen_version)
    except NoPolicyVersion as unknown:
        known = "、".join(versions())
        raise UnreadableFile(Path(path), f"{unknown}（可选：{known}）") from None


def read_round(path: str | Path, chosen_version: str | None = None) -> tuple[PolicyRound, list[Application]]:
    """Read and validate ``path`` and settle its policy version.

    Raises ``ImportRejected`` when a row's 申报年度 is covered by no registered
    version, when the file's years call for different versions and none was
    chosen, or when ``chosen_version`` is not registered.
    """
    from models.intake.validate import read_applications

    path = Path(path)
    policy = first_policy(path, chosen_version)
    apps = read_applications(path, policy)
    versions_seen = YearVersions(chosen=bool(chosen_version))
    versions_seen.add(apps)
    by_year, years = versions_seen.settle(path)
    if not chosen_version and by_year != policy.version:
        policy = load_policy(by_year)
        apps = read_applications(path, policy)
    return PolicyRound(policy, by_year, years), apps


class YearVersions:
    """The policy version each application's 申报年度 (the year of import when blank) calls for, gathered
    a slice of the file at a time."""

    def __init__(self, *, chosen: bool) -> None:
        self._chosen = chosen
        self._this_year = date.today().year
        self._problems: list[Problem] = []
        self._rows_by_version: dict[str, list[int]] = {}
        self._years: set[int] = set()
        self._version_of: dict[int, str | NoPolicyVersion] = {}

    def add(self, apps: list[Application]) -> None:
        for app in apps:
            year = app.application_year or self._this_year
            self._years.add(year)
            if year not in self._version_of:
                try:
                    self._version_of[year] = version_for_year(year).id
                except NoPolicyVersion as uncovered:
                    self._version_of[year] = uncovered
            version = self._version_of[year]
            if isinstance(version, NoPolicyVersion):
                self._problems.append(Problem(app.row, YEAR_COLUMN, f"{version}，本文件不能导入"))
                continue
            self._rows_by_version.setdefault(version, []).append(app.row)

    @property
    def refused(self) -> bool:
        """What was added so far already makes :meth:`settle` raise."""
        return bool(self._problems) or (len(self._rows_by_version) > 1 and not self._chosen)

    def settle(self, path: Path) -> tuple[str, tuple[int, ...]]:
        """The version the years call for and the years; raises ``ImportRejected`` when a year is covered by
        no version, or when the years call for more than one and none was chosen."""
        if self._problems:
            raise ImportRejected(path.name, self._problems)
        if len(self._rows_by_version) > 1 and not self._chosen:
            parts = "；".join(f"{version}：第{_rows_text(rows)}行" for version, rows in self._rows_by_version.items())
            raise ImportRejected(path.name, [Problem(1, YEAR_COLUMN, (
                f"文件中的申报年度分属不同的政策版本（{parts}），一次导入只能按一个政策版本评估；"
                "请按申报年度分别导入，或在导入时指定政策版本"))])
        if not self._rows_by_version:  # an empty file: the year of import decides
            return version_for_year(self._this_year).id, ()
        return next(iter(self._rows_by_version)), tuple(sorted(self._years))


def _rows_text(rows: list[int]) -> str:
    shown = "、".join(str(row) for row in rows[:5])
    return shown + (f" 等 {len(rows)} 行" if len(rows) > 5 else "")


def assess_file(path: str | Path, history: History | None = None,
                policy_version: str | None = None) -> list[Assessment]:
    """Read, validate and assess ``path`` in file order, under ``policy_version`` or its round's version.

    Raises ``models.intake.problems.ImportRejected`` when the file cannot be read or has
    any invalid row; nothing is assessed then.
    """
    settled, apps = read_round(path, policy_version)
    return assess_batch(apps, settled.policy, history)


def assess_file_in_workspace(path: str | Path, db: Database,
                             policy_version: str | None = None) -> list[Assessment]:
    """As :func:`assess_file`, against the workspace's approvals and pending applications.

    An application of the file that is already in the workspace does not count
    against itself, as on ``import --update``.
    """
    from models.review.history import WorkspaceHistory

    settled, apps = read_round(path, policy_version)
    history = WorkspaceHistory(db, except_ids=frozenset(app.application_id for app in apps))
    return assess_batch(apps, settled.policy, history)


def registered_version_ids() -> list[str]:
    """Every version this build knows, for the import's choice (CLI and GUI alike)."""
    return [version.id for version in sorted(versions().values(), key=lambda v: v.in_force_from)]


