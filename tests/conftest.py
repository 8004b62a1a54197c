"""Shared test setup: Qt offscreen, repo root importable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Before anything imports Qt: no display is needed, ever.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
