"""Slow work off the GUI thread, in the style of Anki's ``CollectionOp``::

    Op(parent, lambda progress: import_file(...)).success(on_done).failure(on_error).run()

``fn`` runs on a QThreadPool thread and must not touch widgets or the GUI's
database connection; it gets an :class:`OpProgress` to report and to check for
cancellation. ``success`` and ``failure`` run back on the GUI thread. Without a
``failure`` callback the error is shown (domain errors) or logged and shown.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar
from collections.abc import Iterator

from models.workspace.workspace import Workspace

from gui import errors
from gui.qt import QObject, QProgressDialog, QRunnable, Qt, QThreadPool, QWidget, Signal

T = TypeVar("T")


class Cancelled(Exception):
    """The reviewer pressed 取消; raised inside ``fn`` by :meth:`OpProgress.check`."""


class OpProgress:
    """Handed to the background function: report steps, notice 取消."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self.cancelled = False

    def report(self, label: str, done: int = 0, total: int = 0) -> None:
        self._relay.progressed.emit(label, done, total)

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled()


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
        self._label: str | None = None
        self._dialog: QProgressDialog | None = None

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[T]:
        self._on_failure = callback
        return self

    def cancelled(self, callback: Callable[[], None]) -> Op[T]:
        self._on_cancel = callback
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
        if self._label is not None:
            self._dialog = _progress_dialog(self._parent, self._label, progress)
            relay.progressed.connect(self._show_progress)
        self._relay = relay
        _running.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runner(self._fn, progress, relay))

    def _show_progress(self, label: str, done: int, total: int) -> None:
        if self._dialog is not None:
            self._dialog.setLabelText(label)
            self._dialog.setMaximum(max(total, 0))
            self._dialog.setValue(min(done, total) if total else 0)

    def _finish(self) -> None:
        _running.discard(self)
        if self._dialog is not None:
            self._dialog.reset()
            self._dialog.deleteLater()
            self._dialog = None

    def _succeeded(self, result: T) -> None:
        self._finish()
        self._on_success(result)

    def _failed(self, error: BaseException) -> None:
        self._finish()
        if isinstance(error, Cancelled):
            self._on_cancel()
        elif self._on_failure is not None:
            self._on_failure(error)
        else:
            errors.report(error, self._parent)


def _progress_dialog(parent: QWidget | None, label: str, progress: OpProgress) -> QProgressDialog:
    dialog = QProgressDialog(label, "取消", 0, 0, parent)
    dialog.setWindowTitle("请稍候")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(500)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def cancel() -> None:
        progress.cancelled = True
        dialog.setLabelText("正在取消…")

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
