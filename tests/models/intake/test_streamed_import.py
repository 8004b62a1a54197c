"""A large file read and validated by the forked worker while the importer writes: the same rows, the same
complete list of problems as one process, and nothing kept when a late chunk is bad or the worker dies."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from models import fork_safety
from models.intake import importing, prepared_rows, streamed_rows, validate
from models.failures import ReviewDeskError
from models.intake.prepared_rows import WorkerDied
from models.intake.problems import ImportRejected, UnreadableFile
from models.workspace import audit
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from policy import engine
from tests.workspace_support import import_as, intake_row, staffed_workspace, valid_uscc, write_csv

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker is forked on Linux only")

STORED = ("SELECT a.application_id, a.enterprise, a.uscc, a.seq, a.source_row, a.import_id, s.status, "
          "s.recommended_yuan, s.flags, s.trace, s.record_hash FROM applications a JOIN assessments s "
          "USING (application_id) ORDER BY a.seq")
CAPTURED = ("SELECT tbl, op, row FROM audit_changes WHERE tbl NOT IN ('settings', 'ca', 'reviewers', 'reviewer_certificates') ORDER BY rowid")
"""What the imports captured (the people and keys of each workspace are its own)."""
IMPORT_EVENT_CAPTURED = ("SELECT tbl, op, row FROM audit_changes WHERE seq = (SELECT seq FROM audit WHERE action = "
                         "'导入申报文件') ORDER BY id")
"""What the import's own event captured, all of it."""
ONE_PROCESS = {"on": False}
"""Set: every import takes the one-process path (read whole, then written)."""



@pytest.fixture(autouse=True)
def _as_in_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork is taken as safe, as in the CLI's one thread, whatever threads earlier tests (Qt's pool) left running."""
    monkeypatch.setattr(fork_safety, "fork_safe", lambda: True)

@pytest.fixture
def streaming(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Chunks of 3 rows, and every file streamed unless ``streamed`` is set False; records which path ran."""
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    monkeypatch.setattr(importing, "STREAMED_MIN_BYTES", 0)
    paths: list[bool] = []
    real = importing.streams

    def recording(path: Path, evidence: Path | None, update: bool) -> bool:
        chosen = real(path, evidence, update) and not ONE_PROCESS["on"]
        paths.append(chosen)
        return chosen

    monkeypatch.setattr(importing, "streams", recording)
    return paths


def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ONE_PROCESS, "on", True)


def _both_ways(folder: Path, path: Path, monkeypatch: pytest.MonkeyPatch, before: Path | None = None
               ) -> dict[bool, list[str]]:
    """Each path's rejection of ``path`` (into a workspace holding ``before``, if given), after checking
    that nothing of it was kept."""
    lines: dict[bool, list[str]] = {}
    for streamed in (True, False):
        if not streamed:
            _one_process(monkeypatch)
        with staffed_workspace(folder / f"ws-{streamed}") as ws:
            if before is not None:
                import_as(ws, before)
            held = ws.db.execute(STORED).fetchall()
            captured = ws.db.execute("SELECT COUNT(*) FROM audit_changes").fetchone()[0]
            with pytest.raises(ImportRejected) as rejected:
                import_as(ws, path)
            lines[streamed] = rejected.value.lines()
            assert ws.db.execute(STORED).fetchall() == held
            assert ws.db.execute("SELECT COUNT(*) FROM audit_changes").fetchone()[0] == captured
            assert ws.db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == (before is not None)
            assert verify_workspace(ws).problems == []
    return lines


def _rows(count: int = 10) -> list[dict[str, str]]:
    same = {"统一社会信用代码": valid_uscc(1), "企业名称": "聊城测试企业1有限公司"}
    rows = [intake_row(n) for n in range(1, count + 1)]
    rows[4] |= same
    rows[8] |= same | {"申报事项": "省级专精特新企业"}
    return rows


def test_a_streamed_import_stores_and_captures_what_one_process_does(tmp_path: Path, streaming: list[bool],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "now_text", lambda: "2026-12-01T18:00:00+00:00")
    path = write_csv(tmp_path / "申报.csv", _rows())
    stored, captured, events, by_the_import = {}, {}, {}, {}
    for streamed in (True, False):
        if not streamed:
            _one_process(monkeypatch)
        with staffed_workspace(tmp_path / f"ws-{streamed}") as ws:
            result = import_as(ws, path)
            assert (result.imported, result.updated) == (10, 0)
            stored[streamed] = ws.db.execute(STORED).fetchall()
            captured[streamed] = ws.db.execute(CAPTURED).fetchall()
            by_the_import[streamed] = ws.db.execute(IMPORT_EVENT_CAPTURED).fetchall()
            events[streamed] = ws.db.execute(  # the signed record holds its own time and a random ECDSA nonce;
                # the digest is of the changes in their order (audit verify checks it against them, below)
                "SELECT action, subject, json_remove(details, '$.record', '$.signature', '$.changes_sha256') "
                "FROM audit WHERE action = '导入申报文件'").fetchall()
            assert verify_workspace(ws).problems == []
    assert streaming == [True, False]
    assert len(stored[True]) == 10 and stored[True] == stored[False]
    # The worker counts the file's rows only as it reads them: the streamed import writes its row in imports
    # (with that count) after the rows that refer to it. That is the one difference, in the event's own changes.
    imports_row = [change for change in by_the_import[False] if change[0] == "imports"]
    assert len(imports_row) == 1 and imports_row[0][1] == "put" and '"row_count":10,' in imports_row[0][2]
    assert by_the_import[False][0] == imports_row[0] and len(by_the_import[False]) == 1 + 10 + 10
    assert by_the_import[True] == by_the_import[False][1:] + imports_row
    assert captured[True] == [change for change in captured[False] if change != imports_row[0]] + imports_row
    assert len(events[True]) == 1 and events[True] == events[False]
    assert "同时申报国家级专精特新企业" in stored[True][8][8]  # found across chunks by the worker's ledger


def test_bad_rows_in_several_chunks_after_some_were_written_leave_nothing_and_list_every_problem(
        tmp_path: Path, streaming: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(16)
    rows[8]["申请金额(万元)"] = "十万"  # chunk 3 (file row 10): chunks 1 and 2 are written before it is read
    rows[10]["申报编号"] = "T00002"  # chunk 4: the same as row 3's
    rows[13]["统一社会信用代码"] = "91371500MA3C0000XX"  # chunk 5
    rows[15]["企业名称"] = ""  # the last row
    path = write_csv(tmp_path / "申报.csv", rows)
    written: list[int] = []
    real_write = importing._write_chunk

    def counting(db, chunk, capture, *, new_only):  # noqa: ANN001, ANN202 - _write_chunk's own signature
        written.append(chunk.start)
        return real_write(db, chunk, capture, new_only=new_only)

    monkeypatch.setattr(importing, "_write_chunk", counting)
    lines = _both_ways(tmp_path, path, monkeypatch)
    assert streaming == [True, False]
    assert written == [0, 3]  # only by the streamed import, before the bad chunk came
    assert lines[True] == lines[False]
    text = "\n".join(lines[True])
    assert "共 4 处问题" in text and "第10行 申请金额(万元)" in text
    assert "第12行 申报编号: 申报编号“T00002”与第3行重复" in text
    assert "第15行 统一社会信用代码" in text and "第17行 企业名称: 必填，不能为空" in text


def test_problems_only_the_importer_sees_join_the_workers_in_the_same_list(tmp_path: Path, streaming: list[bool],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    before = write_csv(tmp_path / "之前.csv", [intake_row(n) for n in (40, 41)])
    rows = _rows(12)
    rows[4]["附件"] = "营业执照.pdf"  # chunk 2: no evidence folder given
    rows[7] = intake_row(41)  # chunk 3: already in the workspace
    rows[10]["附件"] = "申请表.pdf"
    lines = _both_ways(tmp_path, write_csv(tmp_path / "申报.csv", rows), monkeypatch, before)
    assert lines[True] == lines[False]
    assert len(lines[True]) == 4 and "第9行 申报编号: 申报编号 T00041 已在工作区中" in "\n".join(lines[True])


def test_a_header_problem_and_a_years_problem_are_the_same_from_the_worker(tmp_path: Path, streaming: list[bool],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(10)
    rows[7]["申请金额(万元)"] = "-1"
    path = write_csv(tmp_path / "申报.csv", rows)
    path.write_text(path.read_text(encoding="utf-8-sig").replace("企业名称", "企业名", 1), encoding="utf-8-sig")
    lines = _both_ways(tmp_path / "表头", path, monkeypatch)
    assert lines[True] == lines[False] and "企业名" in lines[True][1]
    monkeypatch.setitem(ONE_PROCESS, "on", False)
    years = write_csv(tmp_path / "年度.csv", [intake_row(n, 申报年度="1980" if n in (5, 9) else "2023")
                                              for n in range(1, 11)])
    lines = _both_ways(tmp_path / "年度", years, monkeypatch)
    assert lines[True] == lines[False] and len(lines[True]) == 3


def test_an_unreadable_file_is_the_same_message_from_the_worker(tmp_path: Path, streaming: list[bool],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "申报.csv"
    path.write_bytes("申报编号,企业名称\n".encode() + "中文".encode("utf-16-le") * 4000)
    messages = {}
    for streamed in (True, False):
        if not streamed:
            _one_process(monkeypatch)
        with staffed_workspace(tmp_path / f"ws-{streamed}") as ws, pytest.raises(UnreadableFile) as unreadable:
            import_as(ws, path)
        messages[streamed] = str(unreadable.value)
    assert messages[True] == messages[False] and "申报.csv" in messages[True] and "第" in messages[True]


def test_a_worker_killed_mid_stream_leaves_nothing(ws: Workspace, tmp_path: Path, streaming: list[bool],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real_validate = validate.TableRows.validate
    importer = os.getpid()

    def killed(self, start, stop):  # noqa: ANN001, ANN202 - TableRows.validate's own signature
        if start >= 6 and os.getpid() != importer:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_validate(self, start, stop)

    written: list[int] = []
    real_write = importing._write_chunk
    monkeypatch.setattr(importing, "_write_chunk", lambda db, chunk, capture, *, new_only: (
        written.append(chunk.start), real_write(db, chunk, capture, new_only=new_only)))
    monkeypatch.setattr(validate.TableRows, "validate", killed)
    with pytest.raises(WorkerDied, match="整个导入已撤销") as died:
        import_as(ws, write_csv(tmp_path / "申报.csv", _rows()))
    assert f"退出码 {-signal.SIGKILL}" in str(died.value) and written == [0, 3]
    assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
    assert ws.db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert verify_workspace(ws).problems == []
    monkeypatch.setattr(validate.TableRows, "validate", real_validate)
    assert import_as(ws, write_csv(tmp_path / "申报.csv", _rows())).imported == 10


def test_an_error_of_the_engine_in_the_worker_is_raised_here_and_rolls_back(ws: Workspace, tmp_path: Path,
                                                                         streaming: list[bool],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    real_assess = engine.assess

    def failing(app, policy, ledger):  # noqa: ANN001, ANN202 - the engine's own signature
        if app.application_id == "T00008":
            raise ValueError(f"坏了：在进程 {os.getpid()}")
        return real_assess(app, policy, ledger)

    monkeypatch.setattr(engine, "assess", failing)
    with pytest.raises(ValueError, match="坏了") as raised:
        import_as(ws, write_csv(tmp_path / "申报.csv", _rows()))
    assert str(os.getpid()) not in str(raised.value) and streaming == [True]
    assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
    assert verify_workspace(ws).problems == []


def test_only_large_new_files_without_evidence_stream(tmp_path: Path) -> None:
    small = write_csv(tmp_path / "申报.csv", _rows())
    assert not importing.streams(small, None, False)
    large = tmp_path / "大.csv"
    large.write_bytes(b"x" * importing.STREAMED_MIN_BYTES)
    assert importing.streams(large, None, False) == prepared_rows.worker_wanted(2, 1)
    assert not importing.streams(large, tmp_path, False) and not importing.streams(large, None, True)
    assert streamed_rows.NO_EVIDENCE.format(name="a.pdf") == "找不到“a.pdf”：未提供附件目录或压缩包"


def test_a_streamed_import_writes_with_the_larger_page_cache_and_sets_it_back(tmp_path: Path, streaming: list[bool],
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The streaming importer holds a chunk at a time, so its page cache may grow further than one process's."""
    monkeypatch.setattr(importing, "IMPORT_PAGE_CACHE_KIB_PER_ROW", 1000)
    monkeypatch.setattr(importing, "IMPORT_PAGE_CACHE_KIB", 3000)
    monkeypatch.setattr(importing, "STREAMED_PAGE_CACHE_KIB", 6000)
    seen: list[int] = []
    for path_name in ("_write_streamed", "_write"):
        real = getattr(importing, path_name)

        def noting(ws, *args, real=real, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - the writers' own
            seen.append(ws.db.execute("PRAGMA cache_size").fetchone()[0])
            return real(ws, *args, **kwargs)

        monkeypatch.setattr(importing, path_name, noting)
    path = write_csv(tmp_path / "申报.csv", _rows())
    for streamed in (True, False):
        if not streamed:
            _one_process(monkeypatch)
        with staffed_workspace(tmp_path / f"ws-{streamed}") as ws:
            before = ws.db.execute("PRAGMA cache_size").fetchone()[0]
            import_as(ws, path)
            assert ws.db.execute("PRAGMA cache_size").fetchone()[0] == before
    assert streaming == [True, False]
    assert seen == [-6000, -3000]  # 10 rows at 1000 KiB each, up to each path's most


def test_an_import_id_other_than_the_one_its_rows_were_written_with_rolls_the_import_back(
        ws: Workspace, tmp_path: Path, streaming: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """The id is taken before the rows and the import's row written after them: should the two ever differ, the
    rows would belong to no import (or another's), so nothing is kept."""
    monkeypatch.setattr(importing, "_next_import_id", lambda db: 7)
    with pytest.raises(ReviewDeskError, match="取得编号 1，其申报却按编号 7 写入") as raised:
        import_as(ws, write_csv(tmp_path / "申报.csv", _rows()))
    assert not isinstance(raised.value, ImportRejected) and streaming == [True]
    for table in ("applications", "assessments", "imports"):
        assert ws.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
    assert verify_workspace(ws).problems == []
