"""ReviewDesk (审核台) entry point: ``python main.py`` and the frozen executable."""

from __future__ import annotations

import multiprocessing
import os
import sys


def _ensure_streams() -> None:
    """Give a windowed frozen build real stdout/stderr, and make both UTF-8.

    A windowed PyInstaller executable (and pythonw) starts with ``sys.stdout``
    and ``sys.stderr`` set to None; any print or traceback would then raise.
    Route them to a log file in the user's log folder, or to devnull.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, _fallback_writer())
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(encoding="utf-8", errors="replace")
            except (OSError, ValueError):
                pass


_fallback = None


def _fallback_writer():
    global _fallback
    if _fallback is None:
        try:
            from platformdirs import user_log_dir

            folder = user_log_dir("ReviewDesk", appauthor=False)
            os.makedirs(folder, exist_ok=True)
            _fallback = open(os.path.join(folder, "reviewdesk.log"), "a", encoding="utf-8")  # noqa: SIM115 - the process's stdout
        except Exception:  # noqa: BLE001 - any failure: fall back to devnull
            _fallback = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - the process's stdout
    return _fallback


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _ensure_streams()
    from cli.main import main

    sys.exit(main())
