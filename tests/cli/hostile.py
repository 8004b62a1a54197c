"""Running ``assess`` and ``import`` on hostile files in a child limited to 2 GiB of address space.

The child runs main.py as ``python main.py`` would and, on its way out, prints its peak
resident memory as the last stderr line, so a test can hold it to 300 MB + 3× the file's size.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import xlsxwriter

from models.intake.columns import HEADERS
from tests.workspace_support import intake_row, signing_options, write_csv

ROOT = Path(__file__).resolve().parents[2]
ADDRESS_SPACE = 2 << 30
TIMEOUT_SECONDS = 120
_PEAK = re.compile(r"\nPEAK_RSS_KB=(\d+)\n?$")
# ru_maxrss survives exec: a child forked from a large pytest process would report the parent's size.
# VmHWM is the peak of the child's own memory since exec.
_WRAPPER = (
    "import resource, runpy, sys\n"
    "def peak_kb():\n"
    "    try:\n"
    "        return int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
    "    except (OSError, IndexError, ValueError):\n"
    "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "sys.argv = ['main.py', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_path('main.py', run_name='__main__')\n"
    "finally:\n"
    "    sys.stderr.write('\\nPEAK_RSS_KB=%d\\n' % peak_kb())\n"
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
    return [run_limited("assess", path), run_limited("--workspace", workspace, "import", path,
                                                     *signing_options(workspace))]


def memory_allowed(path: Path) -> int:
    """Issue 13's bound on peak memory: 300 MB plus three times the file's size."""
    return 300 * 2**20 + 3 * path.stat().st_size


# --- the hostile files, built at run time ---------------------------------------------------------

def xlsx_file(path: Path, rows: list[list[object]], date_columns: tuple[int, ...] = ()) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if c in date_columns and r > 0 and isinstance(value, (int, float)):
                sheet.write_number(r, c, value, date_format)
            else:
                sheet.write(r, c, value)
    book.close()
    return path


def far_corner_xlsx(path: Path, sheets: int = 1) -> Path:
    """2 KB whose only cell sits at XFD1048576 on its last sheet: a reader that trusts the extent allocates
    512 GB."""
    book = xlsxwriter.Workbook(str(path))
    for _ in range(sheets - 1):
        book.add_worksheet().write_row(0, 0, list(HEADERS))
    book.add_worksheet().write_string(1_048_575, 16_383, "x")
    book.close()
    return path


def inflating_xlsx(path: Path, megabytes: int = 600) -> Path:
    """A valid workbook whose sheet XML inflates by ``megabytes`` of whitespace, which XML allows."""
    template = path.with_name(path.stem + "-模板.xlsx")
    xlsx_file(template, [list(HEADERS), list(intake_row(1).values())])
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                                compresslevel=1) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, data)
                continue
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                head, tail = data.split(b"<sheetData>")
                sheet.write(head + b"<sheetData>")
                block = b" " * (1 << 20)
                for _ in range(megabytes):
                    sheet.write(block)
                sheet.write(tail)
    template.unlink()
    return path


def deep_json(path: Path, depth: int = 1000) -> Path:
    text = json.dumps([intake_row(1)], ensure_ascii=False)
    path.write_text(text[:-2] + ', "备注": ' + "[" * depth + "]" * depth + "}]", encoding="utf-8")
    return path


def many_digits_csv(path: Path, digits: int = 1_000_000) -> Path:
    return write_csv(path, [intake_row(1, **{"申请金额(万元)": "9" * digits})])
