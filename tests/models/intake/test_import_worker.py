"""The forked worker that builds an import's rows: the same rows as in one process, and nothing kept when it fails."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from models import fork_safety
from models.intake import importing, prepared_rows
from models.intake.prepared_rows import WorkerDied
from models.fork_safety import fork_safe as real_fork_safe  # bound before the fixture patches the module
from models.intake.problems import ImportRejected
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from policy import engine
from tests.workspace_support import import_as, intake_row, valid_uscc, write_csv

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker is forked on Linux only")

STORED = ("SELECT a.application_id, a.enterprise, a.uscc, a.seq, a.source_row, s.status, s.recommended_yuan, "
          "s.flags, s.trace, s.record_hash FROM applications a JOIN assessments s USING (application_id) ORDER BY a.seq")


def _rows() -> list[dict[str, str]]:
    """Ten rows; an enterprise repeats in later chunks, so each chunk depends on the ones before it."""
    same = {"统一社会信用代码": valid_uscc(1), "企业名称": "聊城测试企业1有限公司"}
    rows = [intake_row(n) for n in range(1, 11)]
    rows[4] |= same
    rows[8] |= same | {"申报事项": "省级专精特新企业"}
    return rows


def _nothing_imported(ws: Workspace) -> None:
    assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
    assert ws.db.execute("SELECT COUNT(*) FROM assessments").fetchone()[0] == 0
    assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = '导入申报文件'").fetchone()[0] == 0
    triggers = {row[0] for row in ws.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"capture_applications_insert", "capture_assessments_insert"} <= triggers
    assert verify_workspace(ws).problems == []



@pytest.fixture(autouse=True)
def _as_in_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork is taken as safe, as in the CLI's one thread, whatever threads earlier tests (Qt's pool) left running."""
    monkeypatch.setattr(fork_safety, "fork_safe", lambda: True)


def test_no_fork_while_another_thread_runs() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not real_fork_safe()
    finally:
        release.set()
        other.join()

def test_the_worker_is_used_here_and_stores_what_one_process_stores(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    assert prepared_rows.worker_wanted(10, 3)
    assert not prepared_rows.worker_wanted(3, 3)
    path = write_csv(tmp_path / "申报.csv", _rows())
    forks: list[bool] = []
    real_chunks_for = prepared_rows.chunks_for

    def recording(plan, *, worker):  # noqa: ANN001, ANN202 - chunks_for's own signature
        forks.append(worker)
        return real_chunks_for(plan, worker=worker)

    monkeypatch.setattr(importing, "chunks_for", recording)
    stored = {}
    for worker in (True, False):
        monkeypatch.setattr(importing, "worker_wanted", lambda rows, chunk_rows, worker=worker: worker)
        with Workspace.open(tmp_path / f"ws-{worker}") as ws:
            import_as(ws, path)
            stored[worker] = ws.db.execute(STORED).fetchall()
            assert verify_workspace(ws).problems == []
    assert forks == [True, False]
    assert len(stored[True]) == 10 and stored[True] == stored[False]
    assert "同时申报国家级专精特新企业" in stored[True][8][7]  # found across chunks by the worker's ledger


def test_a_bad_row_in_the_last_chunk_names_its_cell_and_nothing_is_kept(ws: Workspace, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    rows = _rows()
    rows[9]["申请金额(万元)"] = "十万"
    with pytest.raises(ImportRejected) as rejected:
        import_as(ws, write_csv(tmp_path / "申报.csv", rows))
    text = str(rejected.value)
    assert "申报.csv" in text and "第11行 申请金额(万元)" in text  # found before the worker starts: it never does
    _nothing_imported(ws)


def test_an_error_in_the_worker_rolls_the_import_back_and_is_raised_here(ws: Workspace, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    real_assess = engine.assess
    importer = os.getpid()

    def failing(app, policy, ledger):  # noqa: ANN001, ANN202 - the engine's own signature
        if app.application_id == "T00008":
            raise ValueError(f"坏了：在进程 {os.getpid()}")
        return real_assess(app, policy, ledger)

    monkeypatch.setattr(engine, "assess", failing)
    with pytest.raises(ValueError, match="坏了") as raised:
        import_as(ws, write_csv(tmp_path / "申报.csv", _rows()))
    assert str(importer) not in str(raised.value)  # it happened in the worker
    _nothing_imported(ws)


def test_a_killed_worker_leaves_nothing_and_says_so(ws: Workspace, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    real_assess = engine.assess

    def killed(app, policy, ledger):  # noqa: ANN001, ANN202 - the engine's own signature
        if app.application_id == "T00008":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_assess(app, policy, ledger)

    monkeypatch.setattr(engine, "assess", killed)
    with pytest.raises(WorkerDied, match="整个导入已撤销") as died:
        import_as(ws, write_csv(tmp_path / "申报.csv", _rows()))
    assert f"退出码 {-signal.SIGKILL}" in str(died.value)
    _nothing_imported(ws)
    monkeypatch.setattr(engine, "assess", real_assess)
    assert import_as(ws, write_csv(tmp_path / "申报.csv", _rows())).imported == 10
