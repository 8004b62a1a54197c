"""Errors as the reviewer sees them: domain errors as plain Chinese, anything else logged with its traceback.

Follows Anki's ``aqt/errors.py``: a :class:`models.failures.ReviewDeskError`
(and an import rejection) is a message meant for people; every other exception
is a bug, written to the workspace log with its traceback and shown briefly.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from models.intake.problems import ImportRejected
from models.failures import ReviewDeskError

from gui.qt import QMessageBox, QWidget

LOGGER_NAME = "reviewdesk"
log = logging.getLogger(LOGGER_NAME)
_handler: logging.Handler | None = None


def log_to(path: Path) -> None:
    """Send the GUI's log (unexpected errors with tracebacks) to ``path``; replaces an earlier file."""
    global _handler
    if _handler is not None:
        log.removeHandler(_handler)
        _handler.close()
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    _handler = handler


def stop_logging() -> None:
    global _handler
    if _handler is not None:
        log.removeHandler(_handler)
        _handler.close()
        _handler = None


def is_expected(error: BaseException) -> bool:
    return isinstance(error, (ReviewDeskError, ImportRejected))


def error_text(error: BaseException) -> str:
    """What the message box says."""
    if is_expected(error):
        return str(error)
    where = f"\n\n详细信息已写入日志：{_handler.baseFilename}" if isinstance(_handler, logging.FileHandler) else ""
    return f"发生意外错误：{type(error).__name__}: {error}{where}"


def report(error: BaseException, parent: QWidget | None = None, title: str = "审核台") -> None:
    """Log an unexpected error with its traceback, then tell the reviewer."""
    if not is_expected(error):
        log.error("意外错误", exc_info=(type(error), error, error.__traceback__))
    show_message(parent, title, error_text(error), expected=is_expected(error))


def show_message(parent: QWidget | None, title: str, text: str, *, expected: bool = True) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning if expected else QMessageBox.Icon.Critical, title, text,
                      QMessageBox.StandardButton.Ok, parent)
    box.exec()


def install_excepthook() -> None:
    """Uncaught exceptions in slots are logged and shown instead of passing silently."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        log.error("未捕获的异常\n%s", "".join(traceback.format_exception(kind, error, tb)))
        show_message(None, "审核台", error_text(error), expected=is_expected(error))

    sys.excepthook = hook
