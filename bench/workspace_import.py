"""Importing into a workspace (read, validate, assess, one transaction) against the bare minimum.

The baseline for each file is a plain read (pandas for CSV, calamine for
XLSX) plus one-transaction ``insert_all`` of the same rows with sqlite-utils,
measured in the same run on the same file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.generate import HEADERS, records, to_row
from bench.run import Figure, best_of

ATTACHMENTS = HEADERS.index("附件")


def _rows(count: int) -> list[list[str]]:
    """Generated rows without 附件: the figure is about the rows, not copying evidence."""
    from policy.catalog import load_policy

    rows = [to_row(record) for record in records(load_policy(), count)]
    for row in rows:
        row[ATTACHMENTS] = ""
    return rows


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    numeric = {HEADERS.index(h) for h in ("申报年度", "数量", "总投资额(万元)", "设备购置额(万元)",
                                           "上级资助金额(万元)", "申请金额(万元)")}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if c in numeric and value:
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    return path


def _baseline_insert(folder: Path, rows: list[dict[str, object]]) -> None:
    from sqlite_utils import Database

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = Database(folder / "baseline.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    with db.atomic():
        db.table("applications").insert_all(rows, batch_size=1000)
    db.close()


def _import(parent: Path, path: Path) -> float:
    """Seconds to import ``path``, signed by the demo's 审核员甲, into a new folder each run (this PC's anchor for a
    folder refuses a fresh log there: truncation); making the CA and the people is not counted."""
    import gc
    import tempfile
    import time

    from demo.workspace import demo_signer, staff_demo
    from models.intake.importing import import_file
    from models.signing.keys import KdfParams
    from models.workspace.workspace import Workspace

    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=parent)) / "ws"
    try:
        with Workspace.open(folder) as ws:
            staff_demo(ws, KdfParams.cheap_for_tests())
            signer = demo_signer(ws)
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                import_file(ws, path, signer=signer)
                return time.perf_counter() - started
            finally:
                gc.enable()
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


def _measure(name: str, path: Path, read_rows, repeats: int, workdir: Path) -> Figure:
    baseline = best_of(repeats, lambda: _baseline_insert(workdir / "baseline", read_rows()))
    seconds = min(_import(workdir / "ws", path) for _ in range(repeats))
    return Figure(name, seconds, "≤ 1.5× baseline", seconds <= 1.5 * baseline, "read + insert_all", baseline)


def bench_workspace_import_csv(rows: int, repeats: int, workdir: Path) -> Figure:
    import pandas

    path = _write_csv(workdir / f"import-{rows}.csv", _rows(rows))

    def read() -> list[dict[str, object]]:
        return pandas.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False).to_dict("records")

    return _measure(f"workspace import, {rows:,}-row GB18030 CSV", path, read, repeats, workdir)


def bench_workspace_import_xlsx(rows: int, repeats: int, workdir: Path) -> Figure:
    from python_calamine import CalamineWorkbook

    path = _write_xlsx(workdir / f"import-{rows}.xlsx", _rows(rows))

    def read() -> list[dict[str, object]]:
        table = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = table[0]
        return [dict(zip(map(str, header), values)) for values in table[1:]]

    return _measure(f"workspace import, {rows:,}-row XLSX", path, read, repeats, workdir)
