"""Shared test setup: Qt offscreen, repo root importable."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

# Before anything imports Qt: no display is needed, ever.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Anchors and drafts live in the user's data folder: never the real one, and one per test.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="reviewdesk-test-data-")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture(autouse=True)
def _own_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("user-data")))
