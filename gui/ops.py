"""Slow work off the GUI thread, in the style of Anki's ``CollectionOp``::

    Op(parent, lambda progress: import_file(...)).success(on_done).failure(on_error).run()

``fn`` runs on a QThreadPool thread and must not touch widgets or the GUI's
database connection; it gets an :class:`OpProgress` to report and to check for
cancellation. ``success``, ``failure``, ``cancelled``, ``progress`` and
``finished`` run back on the GUI thread. Without a ``failure`` callback the
error is shown (domain errors) or logged and shown. A model function that
changes the workspace returns what it changed (``models.changes.Changes``);
the window refreshes from that, never by guessing.

Cancelling is cooperative: :meth:`Op.cancel` (or the progress dialog's 取消)
makes the next :meth:`OpProgress.check` raise :class:`Cancelled`. Work that
reaches a point of no return (a transaction that has started writing) calls
:meth:`OpProgress.commit`; from then on a cancel is refused and the work ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

from models.workspace.workspace import Workspace

from gui import errors
from gui.qt import QEventLoop, QObject, QProgressDialog, QRunnable, Qt, QThreadPool, QWidget, Signal

T = TypeVar("T")


class Cancelled(Exception):
    """The reviewer pressed 取消; raised inside ``fn`` by :meth:`OpProgress.check`."""


class OpProgress:
    """Handed to the background function: report steps, notice 取消, mark the point of no return."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self._guard = threading.Lock()
        self._cancelled = False
        self._committed = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def report(self, label: str, done: int = 0, total: int = 0) -> None:
        self._relay.progressed.emit(label, done, total)

    def check(self) -> None:
        if self._cancelled:
            raise Cancelled()

    def commit(self) -> None:
        """From here on the work runs to its end: :meth:`request_cancel` is refused. Raises if already cancelled."""
        with self._guard:
            self.check()
            self._committed = True

    def request_cancel(self) -> bool:
        """Ask the work to stop at its next check; False once it has committed (it then completes)."""
        with self._guard:
            if self._committed:
                return False
            self._cancelled = True
            return True


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from the worker arrive there queued."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(str, int, int)


class _Runner(QRunnable):
    def __init__(self, fn: Callable[[OpProgress], Any], progress: OpProgress, relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._progress = progress
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn(self._progress)
        except BaseException as error:  # noqa: BLE001 - delivered to the GUI thread
            self._relay.failed.emit(error)
        else:
            self._relay.succeeded.emit(result)


_running: set[Op[Any]] = set()


class Op(Generic[T]):
    def __init__(self, parent: QWidget | None, fn: Callable[[OpProgress], T]) -> None:
        self._parent = parent
        self._fn = fn
        self._on_success: Callable[[T], None] = lambda result: None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_cancel: Callable[[], None] = lambda: None
        self._on_progress: Callable[[str, int, int], None] = lambda label, done, total: None
        self._on_finished: Callable[[], None] = lambda: None
        self._label: str | None = None
        self._dialog: QProgressDialog | None = None
        self._progress: OpProgress | None = None
        self._detached = False

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[T]:
        self._on_failure = callback
        return self

    def cancelled(self, callback: Callable[[], None]) -> Op[T]:
        self._on_cancel = callback
        return self

    def progress(self, callback: Callable[[str, int, int], None]) -> Op[T]:
        """Each :meth:`OpProgress.report` (label, done, total), for a caller that shows progress itself."""
        self._on_progress = callback
        return self

    def finished(self, callback: Callable[[], None]) -> Op[T]:
        """Called last, however the work ended."""
        self._on_finished = callback
        return self

    def with_progress(self, label: str) -> Op[T]:
        """Show a progress dialog with 取消 if the work takes longer than half a second."""
        self._label = label
        return self

    def run(self, pool: QThreadPool | None = None) -> None:
        relay = _Relay()
        progress = OpProgress(relay)
        relay.succeeded.connect(self._succeeded)
        relay.failed.connect(self._failed)
        relay.progressed.connect(self._show_progress)
        if self._label is not None:
            self._dialog = _progress_dialog(self._parent, self._label, progress)
        self._relay = relay
        self._progress = progress
        _running.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runner(self._fn, progress, relay))

    def cancel(self) -> bool:
        """Ask the work to stop; False once it has passed its point of no return (it then completes)."""
        return True if self._progress is None else self._progress.request_cancel()

    def detach(self) -> None:
        """Stop calling back (the caller is going away); the work itself runs on to its next check or its end."""
        self._detached = True

    def _show_progress(self, label: str, done: int, total: int) -> None:
        if self._dialog is not None:
            self._dialog.setLabelText(label)
            self._dialog.setMaximum(max(total, 0))
            self._dialog.setValue(min(done, total) if total else 0)
        if not self._detached:
            self._on_progress(label, done, total)

    def _finish(self) -> None:
        _running.discard(self)
        if self._dialog is not None:
            self._dialog.reset()
            self._dialog.deleteLater()
            self._dialog = None

    def _succeeded(self, result: T) -> None:
        self._finish()
        if not self._detached:
            self._on_success(result)
            self._on_finished()

    def _failed(self, error: BaseException) -> None:
        self._finish()
        if self._detached:
            if not isinstance(error, Cancelled):
                errors.log_unexpected(error)  # nobody is left to tell; the log still gets a bug
            return
        if isinstance(error, Cancelled):
            self._on_cancel()
        elif self._on_failure is not None:
            self._on_failure(error)
        else:
            errors.report(error, self._parent)
        self._on_finished()


def run_and_wait(parent: QWidget | None, fn: Callable[[OpProgress], T], label: str) -> T:
    """``fn`` off the GUI thread while the window keeps painting (a progress dialog after half a second);
    its result, or its error raised here. For a step a Qt callback must finish before it returns, such as
    the file a print preview's 打印 button puts on paper."""
    loop = QEventLoop()
    outcome: list[T] = []
    failure: list[BaseException] = []
    op = Op(parent, fn).success(outcome.append).failure(failure.append).with_progress(label)
    op.finished(loop.quit).cancelled(loop.quit)
    op.run()
    if not outcome and not failure:
        loop.exec()
    if failure:
        raise failure[0]
    if not outcome:
        raise Cancelled()
    return outcome[0]


def _progress_dialog(parent: QWidget | None, label: str, progress: OpProgress) -> QProgressDialog:
    dialog = QProgressDialog(label, "取消", 0, 0, parent)
    dialog.setWindowTitle("请稍候")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(500)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def cancel() -> None:
        dialog.setLabelText("正在取消…" if progress.request_cancel() else "正在写入，已无法取消，请稍候…")

    dialog.canceled.connect(cancel)
    return dialog


@contextmanager
def worker_workspace(folder: Path) -> Iterator[Workspace]:
    """A second connection to the open workspace, for use inside a background function only."""
    ws = Workspace.open(folder, create=False, lock=False)
    try:
        yield ws
    finally:
        ws.close()
