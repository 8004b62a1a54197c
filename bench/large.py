"""`make bench-large`: a 1,000,000-row CSV imported into a throwaway workspace, in a child process.

Prints the seconds and the peak memory beside the goals of issue 13 (≤ 72 s, ≤ 2 GB):
the importing process and the worker it forks together (their PSS, sampled), and each
one's own peak; then the CPU seconds of each and the load average when it started: on
a shared machine the wall time says as much about the neighbours.
Figures only: it never fails the build. ``python -m bench.large [ROWS [CSV]]``
imports a file already written instead of generating one.
"""

from __future__ import annotations

import csv
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.generate import records, to_row
from models.intake.columns import HEADERS
from policy.catalog import load_policy

ROOT = Path(__file__).resolve().parents[1]
ROWS = 1_000_000
GOAL_SECONDS = 72.0
GOAL_BYTES = 2 << 30
PEAK_LINE = re.compile(r"\nPEAK_RSS_KB=(\d+) WORKER_RSS_KB=(\d+) CPU=([\d.]+) WORKER_CPU=([\d.]+)\n?$")
# ru_maxrss of RUSAGE_CHILDREN survives exec and may be the size of this process at fork; VmHWM is the
# child's own peak since exec, read by the child itself as it ends (as tests/cli/hostile.py does). The import's
# worker (models/intake/prepared_rows.py) is the child's child: its peak and CPU seconds are its RUSAGE_CHILDREN.
CHILD = (
    "import os, resource, runpy, sys\n"
    "sys.argv = ['main.py', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_path('main.py', run_name='__main__')\n"
    "finally:\n"
    "    status = open('/proc/self/status').read()\n"
    "    worker = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "    me = os.times()\n"
    "    sys.stderr.write('\\nPEAK_RSS_KB=%s WORKER_RSS_KB=%d CPU=%.1f WORKER_CPU=%.1f\\n' % ("
    "status.split('VmHWM:')[1].split()[0], worker.ru_maxrss, me.user + me.system, worker.ru_utime + worker.ru_stime))\n"
)


SAMPLE_SECONDS = 0.2


class _TreeMemory(threading.Thread):
    """The largest proportional set size (PSS) of a process and its children together, sampled: a forked worker
    shares the pages it has not written with its parent, which their two peak RSS figures would count twice."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._ended = threading.Event()

    def run(self) -> None:
        while not self._ended.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, sum(_pss(pid) for pid in (self.pid, *_children(self.pid))))

    def stop(self) -> None:
        self._ended.set()
        self.join()


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def write_large_csv(path: Path, count: int = ROWS) -> Path:
    with path.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADERS)
        for record in records(load_policy(), count):
            writer.writerow([*to_row(record)[:-1], ""])  # no evidence folder in a benchmark
    return path


def _staffed(folder: Path) -> list[str]:
    """A new workspace in ``folder``/ws with the demo's people (cheap keys); the import's signer options."""
    from demo.workspace import DEMO_PASSPHRASE, IMPORTER, staff_demo
    from models.signing.keys import KdfParams
    from models.workspace.workspace import Workspace

    with Workspace.open(folder / "ws") as ws:
        staff_demo(ws, KdfParams.cheap_for_tests())
    passphrase = folder / "口令.txt"
    passphrase.write_text(DEMO_PASSPHRASE, encoding="utf-8")
    return ["--reviewer", IMPORTER, "--passphrase-file", str(passphrase)]


def main(count: int = ROWS, csv_path: Path | None = None) -> int:
    """Import ``csv_path`` (a file of ``count`` rows), or a generated one, into a new workspace."""
    with tempfile.TemporaryDirectory(prefix="bench-large-") as folder:
        path = csv_path or write_large_csv(Path(folder) / "申报.csv", count)
        size = path.stat().st_size
        signer_args = _staffed(Path(folder))
        load = os.getloadavg()[0]
        started = time.perf_counter()
        with subprocess.Popen([sys.executable, "-c", CHILD, "--workspace", str(Path(folder) / "ws"), "import",
                               str(path), *signer_args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) as child:
            sampled = _TreeMemory(child.pid)
            sampled.start()
            stdout, stderr_text = child.communicate()
        seconds = time.perf_counter() - started
        sampled.stop()
        result = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr_text)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = PEAK_LINE.search(result.stderr)
    own, worker = (int(found.group(1)) * 1024, int(found.group(2)) * 1024) if found else (0, 0)
    peak = sampled.peak  # both processes together, pages they share counted once (PSS)
    stderr = PEAK_LINE.sub("", result.stderr).strip()
    status = "ok" if result.returncode == 0 else f"exit {result.returncode}: {stderr[:200]}"
    for name, value, goal, unit in (("time", seconds, GOAL_SECONDS, "s"), ("peak memory", peak / 2**20,
                                                                           GOAL_BYTES / 2**20, "MB")):
        verdict = "PASS" if value <= goal else "MISS"
        print(f"import {count:,}-row CSV ({size / 2**20:.0f} MB) {name}: {value:.1f} {unit}"
              f"  goal ≤ {goal:.0f} {unit}  {verdict}")
    print(f"import {count:,}-row CSV peak memory: importer and worker together {peak / 2**20:.0f} MB (PSS, sampled"
          f" every {SAMPLE_SECONDS} s); each process's own peak: importer {own / 2**20:.0f} MB,"
          f" worker {worker / 2**20:.0f} MB (RSS, counting the pages they share in both)")
    cpu = f" (importer {found.group(3)} s, its worker {found.group(4)} s)" if found else ""
    print(f"import {count:,}-row CSV cpu: {usage.ru_utime + usage.ru_stime:.1f} s{cpu}"
          f" (load average {load:.1f} on {os.cpu_count()} cores at the start)")
    print(f"import {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS, Path(sys.argv[2]) if len(sys.argv) > 2 else None))
