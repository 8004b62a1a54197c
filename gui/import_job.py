"""The import as a background job: one ``import_file`` call on its own, unlocked connection.

``import_file`` writes everything in one transaction at its very end, so a
cancel before that point discards all; once it reports 写入工作区 the write is
under way and the job runs to the end.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path

from models.intake.problems import ImportRejected
from models.failures import ReviewDeskError
from models.intake.importing import import_file

from gui.errors import log
from gui.ops import worker_workspace
from gui.qt import QObject, QRunnable, Signal

COMMIT_STAGE = "写入工作区"

# Jobs still running after their dialog closed stay referenced here until they end.
_RUNNING: set[ImportJob] = set()


class _Cancelled(Exception):
    """Raised from the progress callback: import_file then writes nothing."""


class ImportSignals(QObject):
    stage = Signal(str, int, int)
    succeeded = Signal(object)  # ImportResult
    rejected = Signal(object)  # ImportRejected
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()


class ImportJob(QRunnable):
    """One import_file call on a fresh, unlocked connection to the workspace."""

    def __init__(self, folder: Path, path: Path, evidence: Path | None, update: bool, actor: str,
                 policy_version: str | None = None) -> None:
        super().__init__()
        self.policy_version = policy_version
        self.setAutoDelete(False)
        self.signals = ImportSignals()
        self.folder, self.path, self.evidence, self.update, self.actor = folder, path, evidence, update, actor
        self._guard = threading.Lock()
        self._cancel = False
        self._committing = False

    def cancel(self) -> bool:
        """Ask the import to stop; False once it has started writing (then it completes)."""
        with self._guard:
            if self._committing:
                return False
            self._cancel = True
            return True

    def _progress(self, stage: str, done: int, total: int) -> None:
        with self._guard:
            if self._cancel:
                raise _Cancelled
            if stage == COMMIT_STAGE:
                self._committing = True
        self.signals.stage.emit(stage, done, total)

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.signals.done.emit()  # _Reaper drops the job on the GUI thread

    def _run(self) -> None:
        try:
            with worker_workspace(self.folder) as ws:
                result = import_file(ws, self.path, evidence=self.evidence, update=self.update,
                                     actor=self.actor, progress=self._progress, policy_version=self.policy_version)
        except _Cancelled:
            self.signals.cancelled.emit()
        except ImportRejected as rejected:
            self.signals.rejected.emit(rejected)
        except ReviewDeskError as refused:
            self.signals.failed.emit(str(refused))
        except Exception:  # noqa: BLE001 - shown plainly, traceback logged
            log.error("导入 %s 时发生意外错误\n%s", self.path, traceback.format_exc())
            self.signals.failed.emit(f"导入时发生意外错误：{traceback.format_exc(limit=1).strip().splitlines()[-1]}")
        else:
            self.signals.succeeded.emit(result)


class _Reaper(QObject):
    """Lives on the GUI thread; forgets finished jobs there, never on the worker thread."""

    def forget(self) -> None:
        signals = self.sender()
        for job in list(_RUNNING):
            if job.signals is signals:
                _RUNNING.discard(job)


_reaper: _Reaper | None = None


def _keep_until_done(job: ImportJob) -> None:
    global _reaper
    if _reaper is None:
        _reaper = _Reaper()
    _RUNNING.add(job)
    job.signals.done.connect(_reaper.forget)
