"""Running ``assess`` and ``import`` on hostile files in a child limited to 2 GiB of address space."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDRESS_SPACE = 2 << 30
TIMEOUT_SECONDS = 120


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_limited(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``main.py *args`` under RLIMIT_AS = 2 GiB; a timeout fails the test with TimeoutExpired."""
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=TIMEOUT_SECONDS,
                          preexec_fn=_limit_address_space)


def both_commands(path: Path, workspace: Path) -> list[subprocess.CompletedProcess[str]]:
    return [run_limited("assess", path), run_limited("--workspace", workspace, "import", path)]
