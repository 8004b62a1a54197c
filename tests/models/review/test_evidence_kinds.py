"""The same bytes imported first without an extension, then as .pdf, are a PDF under both names."""

from __future__ import annotations

from pathlib import Path

from models.review.casefile import load_case
from tests.workspace_support import import_as
from models.workspace.workspace import Workspace


def test_a_files_kind_comes_from_its_content_not_its_first_name(ws: Workspace, intake, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    (first / "认定文件").write_bytes(pdf)
    (second / "认定文件.pdf").write_bytes(pdf)
    (second / "营业执照.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    import_as(ws, intake.csv("a.csv", [intake.row(1, 附件="认定文件")]), evidence=first)
    import_as(ws, intake.csv("b.csv", [intake.row(2, 附件="认定文件.pdf；营业执照.pdf")]), evidence=second)
    assert [f.kind for f in load_case(ws, "LC2024-001").evidence] == ["pdf"]
    assert [(f.name, f.kind) for f in load_case(ws, "LC2024-002").evidence] == [
        ("认定文件.pdf", "pdf"), ("营业执照.pdf", "image")]
