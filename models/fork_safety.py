"""Whether this process may fork a worker: the import's row builder and the sheet makers ask the same question."""

from __future__ import annotations

import sys
import threading


def fork_safe() -> bool:
    """A fork copies only the calling thread: safe on Linux while no other thread runs (the CLI, not the GUI)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1
