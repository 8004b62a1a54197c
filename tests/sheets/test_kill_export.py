"""An export killed (SIGKILL) on the way numbers nothing and leaves nothing; the next export cleans up and says so."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from demo.workspace import DEMO_PASSPHRASE
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from sheets.batch import export_sheets
from sheets.registry import KEPT_SCRATCH, listed_copies
from tests.sheets.support import FIRST_REVIEWER, pick_ids

ROOT = Path(__file__).resolve().parents[2]
KILL_POINTS = {  # where the child kills itself: the function, and whether it first does its work
    "after the first sheet is written": ("write_atomically", True),
    "before the sheets are filed": ("record_outcomes", False),
}


def _killed_export(folder: Path, out: Path, ids: list[str], point: str) -> subprocess.CompletedProcess[str]:
    name, works_first = KILL_POINTS[point]
    script = textwrap.dedent(f'''
        import os, signal
        import sheets.batch as batch
        real = batch.{name}
        def killed(*args, **kwargs):
            if {works_first!r}:
                real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        batch.{name} = killed
        batch.export_sheets({str(folder)!r}, {str(out)!r}, {ids!r}, {FIRST_REVIEWER!r}, {DEMO_PASSPHRASE!r}, jobs=1)
    ''')
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _state(folder: Path) -> tuple[int, int, int, list[str]]:
    with Workspace.open(folder, create=False) as ws:
        counts = [ws.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("sheets", "sheet_records", "audit")]
        assert verify_workspace(ws).problems == []
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if p.is_file() and not p.name.endswith(("-wal", "-shm")))
    return counts[0], counts[1], counts[2], files


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_killed_export_numbers_nothing_and_leaves_only_its_scratch_folder(
        demo_ws: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, point: str) -> None:
    ids = list(pick_ids(demo_ws))
    out = tmp_path / "审核表"
    before = _state(demo_ws)

    result = _killed_export(demo_ws, out, ids, point)

    assert result.returncode == -signal.SIGKILL, result.stderr
    after = _state(demo_ws)
    assert after[:3] == before[:3]  # no sheet numbered, no audit entry
    left = list(out.iterdir())
    assert [p.name[:8] for p in left] == [".export-"] and not list(out.glob("*.pdf"))
    (kept,) = demo_ws.glob(f"{KEPT_SCRATCH}*")  # the listing is in the workspace, whatever folder it wrote to
    listed = listed_copies(kept)
    copies = sorted(name for name in set(after[3]) - set(before[3]) if not name.startswith(KEPT_SCRATCH))
    # in the workspace only the originals it copied into the store meanwhile, each listed first, and the listing
    assert set(before[3]) <= set(after[3]) and all(_copy_of(name) in listed for name in copies)
    if KILL_POINTS[point][0] == "record_outcomes":  # the first sheet was kept while the second was made
        assert listed and copies

    elsewhere = tmp_path / "另一处"  # the next export, to another folder, removes the copies all the same
    with caplog.at_level("WARNING", logger="reviewdesk"):
        report = export_sheets(demo_ws, elsewhere, ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)
    assert "已清理上次导出中断时存入工作区、未被引用的审核表原件" in caplog.text
    assert report.ok, report.failed
    assert sorted(p.name for p in elsewhere.iterdir()) == sorted(f"{i}.pdf" for i in ids)
    assert sorted(Path(r.path) for r in report.written) == sorted(elsewhere / f"{i}.pdf" for i in ids)
    with Workspace.open(demo_ws, create=False) as ws:
        hashes = [row[0] for row in ws.db.execute("SELECT sha256 FROM sheets")]
    assert len(hashes) == before[0] + len(ids) and "" not in hashes
    assert _state(demo_ws)[3] == sorted(set(before[3]) | {_stored(sha256) for sha256 in hashes})
    assert not set(listed) & set(hashes)  # the killed run's copies are gone, the new sheets' originals kept

    with caplog.at_level("WARNING", logger="reviewdesk"):  # and the next export into the first folder tidies it
        assert export_sheets(demo_ws, out, ids[:1], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1).ok
    assert "已清理上次导出审核表中断时留下的临时文件" in caplog.text
    assert [p.name for p in out.iterdir()] == [f"{ids[0]}.pdf"]


def _copy_of(relative: str) -> str:
    """The SHA-256 a file of the evidence store holds a (partial) copy of."""
    name = Path(relative).name
    assert Path(relative).parts[0] == "evidence", relative
    return name[1:65] if name.startswith(".") else name


def _stored(sha256: str) -> str:
    return str(Path("evidence") / sha256[:2] / sha256)
