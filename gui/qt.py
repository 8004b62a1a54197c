"""The one place that imports Qt: every gui module takes its Qt names from here.

As in qutebrowser's ``qutebrowser/qt/``, the bindings are re-exported whole, so
choosing or upgrading them is a change to this file only.
"""

# ruff: noqa: F403 - the bindings are re-exported whole, on purpose
from __future__ import annotations

from PySide6.QtCore import *
from PySide6.QtGui import *
from PySide6.QtPdf import *
from PySide6.QtPdfWidgets import *
from PySide6.QtWidgets import *

QT_BINDING = "PySide6"
