"""The one place that imports Qt: every gui module takes its Qt names from here.

As in qutebrowser's ``qutebrowser/qt/``, the bindings are re-exported whole, so
choosing or upgrading them is a change to this file only. Modules that start-up
does not need (QtPrintSupport) are loaded by a function here, on first use.
"""

# ruff: noqa: F403 - the bindings are re-exported whole, on purpose
from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import *
from PySide6.QtGui import *
from PySide6.QtPdf import *
from PySide6.QtPdfWidgets import *
from PySide6.QtWidgets import *

if TYPE_CHECKING:  # for annotations only: at run time load_print_support() brings the module
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog  # noqa: F401 - re-exported

QT_BINDING = "PySide6"


def load_print_support() -> ModuleType:
    """QtPrintSupport, loaded on the first print or preview: start-up does not need it."""
    from PySide6 import QtPrintSupport

    return QtPrintSupport
