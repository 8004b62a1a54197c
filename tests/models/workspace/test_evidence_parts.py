"""A copy into the evidence store that a killed process left half-written is removed by the next import's clean-up,
never another live process's copy in progress."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from models.intake.new_evidence import SCRATCH_PREFIX, NewEvidence, clean_abandoned_imports
from models.workspace.evidence import EvidenceStore, sha256_file
from models.workspace.leftovers import OWNER_FILE, claimed_scratch, process_alive
from models.workspace.workspace import Workspace


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
    return child.pid


def test_a_killed_imports_partial_copy_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    source = tmp_path / "营业执照.pdf"
    source.write_bytes(b"%PDF-1.4 evidence")
    sha = sha256_file(source)
    with Workspace.open(tmp_path / "ws") as ws:
        store = EvidenceStore(ws.evidence_dir)
        folder = store.path_of(sha).parent
        folder.mkdir(parents=True)
        dead, live = _dead_pid(), subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            left = folder / f".{sha}.{dead}.abc123.part"
            in_progress = folder / f".{sha}.{live.pid}.def456.part"
            for part in (left, in_progress):
                part.write_bytes(b"%PDF-1.4 ev")
            scratch = claimed_scratch(ws.folder, SCRATCH_PREFIX)
            NewEvidence(scratch).note(sha)
            (scratch / OWNER_FILE).write_text(str(dead), encoding="ascii")
            assert clean_abandoned_imports(ws) == [scratch]
            assert not left.exists() and in_progress.exists()
            assert not scratch.exists()
        finally:
            live.kill()
            live.wait()


def test_a_store_copy_is_named_by_digest_and_process_while_written(tmp_path: Path) -> None:
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.4 a")
    store = EvidenceStore(tmp_path / "store")
    seen: list[list[str]] = []

    def before_new(sha256: str) -> None:
        seen.append([p.name for p in store.path_of(sha256).parent.glob("*")] if store.path_of(sha256).parent.is_dir()
                    else [])

    stored = store.add(source, before_new)
    assert seen == [[]]  # told before the copy starts: a kill during it leaves a part the listing can find
    assert store.verify(stored.sha256).ok
    assert not list(store.path_of(stored.sha256).parent.glob(".*.part"))
