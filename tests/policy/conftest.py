"""Policy tests that need a workspace: one with its CA, the 系统管理员 and the three reviewers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from models.workspace.workspace import Workspace
from tests.workspace_support import staffed_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = staffed_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()
