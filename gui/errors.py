"""Errors as the reviewer sees them: a message box for each, the log for the unexpected ones.

Follows Anki's ``aqt/errors.py``. What counts as a domain error, what the
message says and where the log goes is ``models/failures.py``, shared with the
CLI; this module only shows it.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from models.failures import LOG as log
from models.failures import LOGGER_NAME, is_expected, log_to, log_unexpected, message_for, stop_logging

from gui.qt import QMessageBox, QWidget

__all__ = ["LOGGER_NAME", "error_text", "install_excepthook", "is_expected", "log", "log_to", "log_unexpected",
           "report", "show_message", "stop_logging"]

error_text = message_for


def report(error: BaseException, parent: QWidget | None = None, title: str = "审核台") -> None:
    """Log an unexpected error with its traceback, then tell the reviewer."""
    log_unexpected(error)
    show_message(parent, title, message_for(error), expected=is_expected(error))


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
        show_message(None, "审核台", message_for(error), expected=is_expected(error))

    sys.excepthook = hook
