"""Running ``assess`` and ``import`` on hostile files in a child limited to 2 GiB of address space.

The child runs main.py as ``python main.py`` would and, on its way out, prints its peak
resident memory as the last stderr line, so a test can hold it to 300 MB + 3× the file's size.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDRESS_SPACE = 2 << 30
TIMEOUT_SECONDS = 120
_PEAK = re.compile(r"\nPEAK_RSS_KB=(\d+)\n?$")
_WRAPPER = (
    "import resource, runpy, sys\n"
    "sys.argv = ['main.py', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_path('main.py', run_name='__main__')\n"
    "finally:\n"
    "    sys.stderr.write('\\nPEAK_RSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
)


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_limited(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``main.py *args`` under RLIMIT_AS = 2 GiB; a timeout fails the test with TimeoutExpired."""
    result = subprocess.run([sys.executable, "-c", _WRAPPER, *map(str, args)], cwd=ROOT, capture_output=True,
                            text=True, encoding="utf-8", errors="replace", timeout=TIMEOUT_SECONDS,
                            preexec_fn=_limit_address_space)
    match = _PEAK.search(result.stderr)
    result.peak_bytes = int(match.group(1)) * 1024 if match else None  # type: ignore[attr-defined]  # an extra field on CompletedProcess, for the report
    result.stderr = _PEAK.sub("", result.stderr)
    return result


def both_commands(path: Path, workspace: Path) -> list[subprocess.CompletedProcess[str]]:
    return [run_limited("assess", path), run_limited("--workspace", workspace, "import", path)]


def memory_allowed(path: Path) -> int:
    """Issue 13's bound on peak memory: 300 MB plus three times the file's size."""
    return 300 * 2**20 + 3 * path.stat().st_size
