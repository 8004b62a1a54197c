"""Whether this process may fork a worker (the import's row builder and the sheet makers ask the same question),
and whether it runs one thread only (a bulk import's rollback journal asks that)."""

from __future__ import annotations

import sys
import threading


def fork_safe() -> bool:
    """A fork copies only the calling thread: safe on Linux while no other thread runs (the CLI, not the GUI)."""
    return sys.platform.startswith("linux") and only_thread()


def only_thread() -> bool:
    """No other thread runs in this process (the CLI; the GUI has its pools)."""
    return threading.active_count() == 1
