"""附件 names: paths relative to the evidence root, <申报编号>/ and <企业名称>/ folders at any depth, ambiguity named,
no links out."""

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


def test_folders_named_by_the_enterprise_import_fine(ws: Workspace, tmp_path: Path) -> None:
    evidence = _files(tmp_path / "附件", {"聊城测试企业1有限公司/营业执照.pdf": b"%PDF-1 one",
                                          "聊城测试企业2有限公司/营业执照.pdf": b"%PDF-1 two"})
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf"), intake_row(2, 附件="营业执照.pdf")])
    import_as(ws, path, evidence=evidence)
    assert _links(ws) == {"T00001": _sha(b"%PDF-1 one"), "T00002": _sha(b"%PDF-1 two")}


def test_a_zip_of_a_folder_wraps_everything_in_it(ws: Workspace, tmp_path: Path) -> None:
    archive = tmp_path / "附件.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("2024年申报材料/T00001/营业执照.pdf", b"%PDF-1 one")
        out.writestr("2024年申报材料/02-聊城测试企业2有限公司/聊城测试企业2有限公司/营业执照.pdf", b"%PDF-1 two")
        out.writestr("2024年申报材料/T00003/证书.pdf", b"%PDF-1 three")
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf"), intake_row(2, 附件="营业执照.pdf"),
                                          intake_row(3, 附件="T00003/证书.pdf")])
    import_as(ws, path, evidence=archive)
    assert _links(ws) == {"T00001": _sha(b"%PDF-1 one"), "T00002": _sha(b"%PDF-1 two"),
                          "T00003": _sha(b"%PDF-1 three")}


def test_folders_named_as_desks_number_them(ws: Workspace, tmp_path: Path) -> None:
    evidence = _files(tmp_path / "附件", {"01-聊城测试企业1有限公司/营业执照.pdf": b"%PDF-1 one",
                                          "T00002 聊城测试企业2有限公司/营业执照.pdf": b"%PDF-1 two",
                                          "3、聊城测试企业3有限公司/营业执照.pdf": b"%PDF-1 three"})
    path = write_csv(tmp_path / "a.csv", [intake_row(n, 附件="营业执照.pdf") for n in (1, 2, 3)])
    import_as(ws, path, evidence=evidence)
    assert _links(ws) == {"T00001": _sha(b"%PDF-1 one"), "T00002": _sha(b"%PDF-1 two"),
                          "T00003": _sha(b"%PDF-1 three")}


def test_a_file_only_in_another_applications_folder_is_refused(ws: Workspace, tmp_path: Path) -> None:
    evidence = _files(tmp_path / "附件", {"T00002/营业执照.pdf": b"%PDF-1 two", "T00002/证书.pdf": b"%PDF-1 c"})
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf"), intake_row(2, 附件="证书.pdf")])
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, path, evidence=evidence)
    assert caught.value.lines()[1:] == ["第2行 附件: “营业执照.pdf”只见于申报 T00002 的文件夹（T00002/营业执照.pdf），"
                                        "不能作为本申报的附件；请放入“T00001/”文件夹或写明相对路径"]
    assert _links(ws) == {}


def _refused_for_a_bare_name(ws: Workspace, tmp_path: Path, files: dict[str, bytes]) -> str:
    """The import's first problem when the first application names 证书.pdf among ``files``."""
    evidence = _files(tmp_path / "附件", files)
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="证书.pdf")])
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, path, evidence=evidence)
    return caught.value.lines()[1]


def test_two_files_in_the_applications_own_folders_are_still_ambiguous(ws: Workspace, tmp_path: Path) -> None:
    found = _refused_for_a_bare_name(ws, tmp_path, {"一/T00001/证书.pdf": b"%PDF-1 a", "二/T00001/证书.pdf": b"%PDF-1 b"})
    assert found == ("第2行 附件: “证书.pdf”对应 2 个文件：一/T00001/证书.pdf、二/T00001/证书.pdf；"
                     "请写明相对路径，或放入“T00001/”文件夹")


def test_a_relative_path_names_its_file(ws: Workspace, tmp_path: Path) -> None:
    evidence = _files(tmp_path / "附件", {"甲/证书.pdf": b"%PDF-1 a", "乙/证书.pdf": b"%PDF-1 b"})
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="乙/证书.pdf")])
    import_as(ws, path, evidence=evidence)
    assert _links(ws) == {"T00001": _sha(b"%PDF-1 b")}


def test_an_ambiguous_bare_name_is_an_error_naming_every_candidate(ws: Workspace, tmp_path: Path) -> None:
    found = _refused_for_a_bare_name(ws, tmp_path, {"甲/证书.pdf": b"%PDF-1 a", "乙/证书.pdf": b"%PDF-1 b"})
    assert found == ("第2行 附件: “证书.pdf”对应 2 个文件：乙/证书.pdf、甲/证书.pdf；"
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
