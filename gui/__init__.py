"""The PySide6 desktop interface. Nothing under policy/ or models/ imports it."""

from __future__ import annotations

import sys


def _import_sqlite_utils_without_pandas() -> None:
    """sqlite_utils imports pandas and numpy, when installed, only to map their column types, which
    ReviewDesk never inserts; hiding them for that one import keeps ~0.5 s off the GUI's start-up.
    pandas stays importable afterwards for the code that needs it (reading intake files)."""
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes ``import name`` raise ImportError
    try:
        import sqlite_utils  # noqa: F401 - imported only to learn whether it imports
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


_import_sqlite_utils_without_pandas()
