"""A demo workspace (cheap key derivation) and one signed export from it, made once per session.

Tests that change a workspace or a file work on their own copies.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from demo.workspace import DEMO_PASSPHRASE, create_demo
from models.signing.keys import KdfParams
from models.workspace.workspace import Workspace
from sheets.batch import SheetJob
from sheets.sign import SignerMaterial
from tests.sheets.support import FIRST_REVIEWER, Exported, copy_workspace, pick_ids


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sheets-demo") / "workspace"
    create_demo(folder, count=30, kdf=KdfParams.cheap_for_tests())
    return folder


@pytest.fixture
def demo_ws(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo workspace folder."""
    return copy_workspace(demo_template, tmp_path / "workspace")


@pytest.fixture(scope="session")
def exported(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """Three sheets exported by 审核员甲 from a copy of the demo workspace."""
    from sheets.batch import export_sheets

    base = tmp_path_factory.mktemp("sheets-exported")
    folder = copy_workspace(demo_template, base / "workspace")
    both, first = pick_ids(folder)
    with Workspace.open(folder, create=False) as ws:
        other = next(row[0] for row in ws.db.execute(
            "SELECT DISTINCT application_id FROM decisions WHERE application_id NOT IN (?, ?)", [both, first]))
    ids = [both, other, first]
    report = export_sheets(folder, base / "out", ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)
    assert report.ok, report.failed
    return Exported(folder, base / "out", ids, both, first)


@pytest.fixture
def sheet_copy(exported: Exported, tmp_path: Path) -> Path:
    """A private copy of the exported sheet with both decisions."""
    target = tmp_path / f"{exported.both_stages}.pdf"
    shutil.copyfile(exported.out / f"{exported.both_stages}.pdf", target)
    return target


@pytest.fixture(scope="module")
def job_and_material() -> tuple[SheetJob, SignerMaterial]:
    """One signed sheet's job from the bench's small demo workspace, with its signer's material."""
    from bench.sheet_figures import _setup

    with tempfile.TemporaryDirectory(prefix="one-sheet-") as folder:
        jobs, _, material = _setup(Path(folder), 1)
    return jobs[0], material
