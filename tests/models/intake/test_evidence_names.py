"""附件 names: paths relative to the evidence root, <申报编号>/ folders, ambiguity named, no links out."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from models.intake.problems import ImportRejected
from models.workspace.evidence import EvidenceStore
from models.workspace.workspace import Workspace
from tests.workspace_support import import_as, intake_row, write_csv


def _links(ws: Workspace) -> dict[str, str]:
    rows = ws.db.execute("SELECT application_id, sha256 FROM application_evidence ORDER BY application_id")
    return dict(rows)


def _files(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_per_enterprise_folders_sharing_a_name_import_fine(ws: Workspace, tmp_path: Path) -> None:
    evidence = _files(tmp_path / "附件", {"T00001/营业执照.pdf": b"%PDF-1 one", "T00002/营业执照.pdf": b"%PDF-1 two"})
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf"), intake_row(2, 附件="营业执照.pdf")])
    result = import_as(ws, path, evidence=evidence)
    assert result.evidence_files == 2
    assert _links(ws) == {"T00001": _sha(b"%PDF-1 one"), "T00002": _sha(b"%PDF-1 two")}


def test_a_relative_path_names_its_file(ws: Workspace, tmp_path: Path) -> None:
    evidence = _files(tmp_path / "附件", {"甲/证书.pdf": b"%PDF-1 a", "乙/证书.pdf": b"%PDF-1 b"})
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="乙/证书.pdf")])
    import_as(ws, path, evidence=evidence)
    assert _links(ws) == {"T00001": _sha(b"%PDF-1 b")}


def test_an_ambiguous_bare_name_is_an_error_naming_every_candidate(ws: Workspace, tmp_path: Path) -> None:
    evidence = _files(tmp_path / "附件", {"甲/证书.pdf": b"%PDF-1 a", "乙/证书.pdf": b"%PDF-1 b"})
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="证书.pdf")])
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, path, evidence=evidence)
    assert caught.value.lines()[1] == ("第2行 附件: “证书.pdf”对应 2 个文件：乙/证书.pdf、甲/证书.pdf；"
                                       "请写明相对路径，或放入“T00001/”文件夹")
    assert _links(ws) == {}


def test_zip_duplicates_in_different_folders_are_named(ws: Workspace, tmp_path: Path) -> None:
    archive = tmp_path / "附件.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("a/x.pdf", b"%PDF-1 a")
        out.writestr("b/x.pdf", b"%PDF-1 b")
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="x.pdf"), intake_row(2, 附件="b/x.pdf")])
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, path, evidence=archive)
    assert caught.value.lines()[1:] == ["第2行 附件: “x.pdf”对应 2 个文件：a/x.pdf、b/x.pdf；请写明相对路径，或放入“T00001/”文件夹"]


def test_a_link_out_of_the_evidence_folder_is_never_followed(ws: Workspace, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"not evidence")
    evidence = _files(tmp_path / "附件", {"真/营业执照.pdf": b"%PDF-1"})
    (evidence / "passwd.pdf").symlink_to(secret)
    (evidence / "外").symlink_to(tmp_path, target_is_directory=True)
    (evidence / "内.pdf").symlink_to(evidence / "真" / "营业执照.pdf")
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="passwd.pdf"), intake_row(2, 附件="外/secret.txt"),
                                          intake_row(3, 附件="内.pdf")])
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, path, evidence=evidence)
    assert caught.value.lines()[1:] == ["第2行 附件: “passwd.pdf”是指向附件目录之外的符号链接，已拒绝",
                                        "第3行 附件: 附件目录中找不到“外/secret.txt”"]
    assert not EvidenceStore(ws.evidence_dir).path_of(_sha(b"not evidence")).exists()


@pytest.mark.parametrize("name", ["../secret.txt", "/etc/passwd", "C:/x.pdf"])
def test_a_path_out_of_the_root_is_refused(ws: Workspace, tmp_path: Path, name: str) -> None:
    evidence = _files(tmp_path / "附件", {"a.pdf": b"%PDF-1"})
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件=name)])
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, path, evidence=evidence)
    assert caught.value.lines()[1] == f"第2行 附件: 附件路径“{name}”须为附件目录内的相对路径"


def test_a_link_out_in_the_applications_own_folder_is_named_as_refused(ws: Workspace, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"not evidence")
    evidence = _files(tmp_path / "附件", {"T00002/营业执照.pdf": b"%PDF-1"})
    (evidence / "T00001").mkdir()
    (evidence / "T00001" / "营业执照.pdf").symlink_to(secret)
    (evidence / "T00002" / "章程.pdf").symlink_to(secret)
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf"), intake_row(2, 附件="章程.pdf")])
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, path, evidence=evidence)
    assert caught.value.lines()[1:] == ["第2行 附件: “T00001/营业执照.pdf”是指向附件目录之外的符号链接，已拒绝",
                                        "第3行 附件: “T00002/章程.pdf”是指向附件目录之外的符号链接，已拒绝"]
    assert not EvidenceStore(ws.evidence_dir).path_of(_sha(b"not evidence")).exists()
