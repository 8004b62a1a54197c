"""Shared test setup: Qt offscreen, repo root importable."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.postgres_server import PostgresServer

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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL ≥ 15 for the session (tests/postgres_server.py); skipped, saying how to install it,
    when the package is absent and we are not root (as root, CI, scripts/system-deps.sh installs it)."""
    from tests.postgres_server import INSTALL_HINT, start_server

    server = start_server()
    if server is None:
        pytest.skip(INSTALL_HINT)
    yield server
    server.stop()
