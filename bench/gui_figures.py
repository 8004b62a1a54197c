"""GUI figures for ``make bench``, each measured in a fresh offscreen subprocess; every function returns seconds.

- :func:`startup_to_painted` vs :func:`bare_window_baseline`: from the first line of
  the process to the first paint of a table with rows in it.
- :func:`next_application_seconds`: J pressed → the next case's clause shown and the
  first page of its first PDF rendered (median of several moves).
- :func:`filter_keystroke_seconds`: the slowest keystroke while typing a search over
  ``n`` applications, the table repainted after each.
- :func:`make_workspace`: a workspace of generated applications to measure start-up on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600

_PAINT_WATCH = r"""
class PaintWatch(QObject):
    def __init__(self, ready):
        super().__init__()
        self.ready = ready
        self.painted = None
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and self.painted is None and self.ready():
            QTimer.singleShot(0, lambda: setattr(self, "painted", time.perf_counter()))
        return False
def wait(app, done, seconds=120):
    deadline = time.perf_counter() + seconds
    while not done():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.001)
"""

_STARTUP = r"""
import time
started = time.perf_counter()
import sys
from pathlib import Path
from gui.app import create_application, open_main_window
from gui.qt import QEvent, QObject, QSettings, QTimer
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
""" + _PAINT_WATCH + r"""
app = create_application()
window = open_main_window(Path(sys.argv[2]))
viewport = window.queue.table.viewport()
watch = PaintWatch(lambda: window.queue_ready and window.model.rowCount() > 0)
viewport.installEventFilter(watch)
window.resize(1366, 768)
window.show()
wait(app, lambda: watch.painted is not None)
print(watch.painted - started)
window.close()
window.ws.close()
"""

_BARE = r"""
import time
started = time.perf_counter()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QTableView, QTextBrowser
""" + _PAINT_WATCH + r"""
app = QApplication([])
window = QMainWindow()
splitter = QSplitter(window)
table = QTableView(splitter)
model = QStandardItemModel(50, 13)
for row in range(50):
    for column in range(13):
        model.setItem(row, column, QStandardItem(f"LC2024-{row:04d}"))
table.setModel(model)
QTextBrowser(splitter)
window.setCentralWidget(splitter)
watch = PaintWatch(lambda: True)
table.viewport().installEventFilter(watch)
window.resize(1366, 768)
window.show()
wait(app, lambda: watch.painted is not None)
print(watch.painted - started)
"""

_NEXT = r"""
import statistics, sys, time
from pathlib import Path
from gui.app import create_application
from gui.main_window import MainWindow, REVIEW_TAB
from gui.qt import QEvent, QObject, QSettings, QTimer
from models.workspace.workspace import Workspace
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
""" + _PAINT_WATCH + r"""
app = create_application()
ws = Workspace.open(Path(sys.argv[2]), create=False, lock=False)
window = MainWindow(ws)
window.resize(1366, 768)
window.show()
wait(app, lambda: window.queue_ready)
review = window.review
rendered, shown = [], []
review.evidence.pdf.first_page_rendered.connect(lambda: rendered.append(time.perf_counter()))
review.case_shown.connect(lambda application_id: shown.append(application_id))
window.tabs.setCurrentIndex(REVIEW_TAB)
review.show_application(window.model.application_id(0))
wait(app, lambda: review.loaded is not None)
free = [n for n, (conflict, _) in review.loaded.case.conflicts.items() if not conflict]
if free:
    window.preview_as(free[0])
def has_pdf():
    return review.evidence.evidence_visible and bool(review.loaded.evidence) and \
        review.loaded.evidence[0].file.kind == "pdf" and review.loaded.evidence[0].integrity.ok
steps = []
for _ in range(int(sys.argv[3])):
    deadline = time.perf_counter() + 0.3  # the reviewer reads; prefetch runs meanwhile
    wait(app, lambda: time.perf_counter() > deadline)
    rendered.clear(); shown.clear()
    started = time.perf_counter()
    if not review.go(1):
        break
    wait(app, lambda: bool(shown))
    if has_pdf():
        wait(app, lambda: bool(rendered), 30)
        steps.append(rendered[0] - started)
    else:
        steps.append(time.perf_counter() - started)
print(statistics.median(steps))
window.close()
ws.close()
"""

_FILTER = r"""
import sys, time
from decimal import Decimal
from bench.generate import records
from policy.catalog import load_policy
from models.review.queue import QueueRow
from models.review.queue_index import QueueIndex, QueueQuery, QueueFilter
from gui.app import create_application
from gui.qt import QEvent, QObject, QTimer
from gui.queue_model import QueueModel
from gui.queue_view import QueueView
""" + _PAINT_WATCH + r"""
count = int(sys.argv[2])
index = QueueIndex()
for record in records(load_policy(), count):
    firm = record.enterprise
    index.append(record.application_id, firm.name, firm.uscc, firm.county, record.industry, record.item.id,
                 "eligible")
class Source:
    def fetch_rows(self, ids):
        at = index.position_of
        return [QueueRow(i, index.enterprises[at[i]], index.usccs[at[i]], index.counties[at[i]],
                         index.industries[at[i]], index.item_ids[at[i]], index.item_ids[at[i]], "eligible",
                         "待初审", Decimal("500000.00"), Decimal("500000.00"), None, "", "") for i in ids]
    def sort_order(self, index, column, descending):
        return list(range(len(index)))
    def refresh(self, index, ids):
        pass
app = create_application()
model = QueueModel(Source(), index)
view = QueueView(model)
view.resize(1366, 700)
view.show()
app.processEvents()
target = index.enterprises[count // 2]
typed = target[2:8] + index.ids[count // 2][-4:]
worst = 0.0
for n in range(1, len(typed) + 1):
    started = time.perf_counter()
    view.search.setText(typed[:n])
    view.table.viewport().repaint()
    worst = max(worst, time.perf_counter() - started)
for n in range(len(typed) - 1, 0, -1):
    started = time.perf_counter()
    view.search.setText(typed[:n])
    view.table.viewport().repaint()
    worst = max(worst, time.perf_counter() - started)
print(worst)
"""


def _run(script: str, *args: str) -> float:
    """Run ``script`` offscreen with a throwaway settings folder as argv[1]; its last line is the figure."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO_ROOT))
    with tempfile.TemporaryDirectory(prefix="reviewdesk-bench-settings-") as settings:
        result = subprocess.run([sys.executable, "-c", script, settings, *args], cwd=REPO_ROOT, env=env,
                                capture_output=True, text=True, timeout=TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"GUI benchmark failed:\n{result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def startup_to_painted(workspace_with_10k: Path) -> float:
    """Seconds from the first line of a fresh process to the queue table painted with rows."""
    return _run(_STARTUP, str(workspace_with_10k))


def bare_window_baseline() -> float:
    """The same measurement for a bare PySide6 window with a table (50 rows) and a splitter."""
    return _run(_BARE)


def next_application_seconds(ws: Path, moves: int = 10) -> float:
    """Median seconds from J to the next case shown with its first PDF page rendered.

    Opens ``ws`` without its lock and writes nothing; the evidence shows only
    for a reviewer who declared no conflict, as in the demo workspace.
    """
    return _run(_NEXT, str(ws), str(moves))


def filter_keystroke_seconds(n: int = 100_000) -> float:
    """The slowest keystroke (search, table reset and repaint) typing and deleting a search over ``n`` rows."""
    return _run(_FILTER, str(n))


def make_workspace(folder: Path, count: int = 10_000) -> Path:
    """A workspace of ``count`` generated applications (bench.generate), their attachments as small files."""
    from bench.generate import records, write_csv
    from policy.catalog import load_policy

    from demo.workspace import demo_signer, staff_demo
    from models.intake.importing import import_file
    from models.signing.keys import KdfParams
    from models.workspace.workspace import Workspace

    folder = Path(folder)
    rows = list(records(load_policy(), count))
    with tempfile.TemporaryDirectory(prefix="reviewdesk-bench-intake-") as scratch:
        evidence = Path(scratch) / "附件"
        evidence.mkdir()
        for name in {name for row in rows for name in row.attachments}:
            (evidence / name).write_text(f"{name}（基准测试用附件）", encoding="utf-8")
        csv = write_csv(Path(scratch) / "申报.csv", rows)
        with Workspace.open(folder) as ws:
            staff_demo(ws, KdfParams.cheap_for_tests())
            import_file(ws, csv, evidence=evidence, signer=demo_signer(ws))
    return folder
