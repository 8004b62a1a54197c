"""Windows written elsewhere (import, policy browser, calculator, statistics, settings, sheets), imported lazily.

Each returns None when its module is not there yet, so the program still runs;
importing on first use also keeps their dependencies out of start-up.
"""

from __future__ import annotations

import importlib
from typing import Any


def _load(module: str, name: str) -> Any | None:
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as error:
        if error.name and module.startswith(error.name):
            return None  # the module itself (or its package) is missing
        raise


def import_dialog() -> Any | None:
    """``ImportDialog`` with ``ask(parent, workspace_folder) -> bool``."""
    return _load("gui.import_dialog", "ImportDialog")


def policy_browser() -> Any | None:
    """``PolicyBrowser(parent)`` with ``show_clause(clause_id)``."""
    return _load("gui.policy_browser", "PolicyBrowser")


def calculator_dialog() -> Any | None:
    """``CalculatorDialog(parent, workspace)``."""
    return _load("gui.calculator", "CalculatorDialog")


def statistics_view() -> Any | None:
    """``StatisticsView(parent)`` with ``refresh(workspace)``."""
    return _load("gui.statistics_view", "StatisticsView")


def settings_dialog() -> Any | None:
    """``SettingsDialog`` with ``ask(parent, workspace) -> bool``."""
    return _load("gui.settings_dialog", "SettingsDialog")


def sheets_module() -> Any | None:
    """The signed review sheet package, when it is installed."""
    try:
        return importlib.import_module("sheets")
    except ModuleNotFoundError as error:
        if error.name == "sheets":
            return None
        raise
