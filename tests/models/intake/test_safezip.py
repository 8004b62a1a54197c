"""Safe ZIP extraction: every bad entry is refused, and a refusal writes nothing."""

from __future__ import annotations

import io
import stat
import struct
import unicodedata
import warnings
import zipfile
from pathlib import Path

import pytest

from models.intake import safezip
from models.intake.safezip import UnsafeArchive, ZipLimits, extract_evidence_zip

Entry = tuple["str | zipfile.ZipInfo", bytes]


def _zip_bytes(entries: list[Entry], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about exact duplicates
        with zipfile.ZipFile(buffer, "w", compression=method) as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return buffer.getvalue()


def _headers(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, flags field offset, uncompressed size field offset) of every header."""
    found = []
    for signature, flags, size in ((b"PK\x03\x04", 6, 22), (b"PK\x01\x02", 8, 24)):
        start = data.find(signature)
        while start >= 0:
            found.append((start, start + flags, start + size))
            start = data.find(signature, start + 1)
    return found


def _patch(data: bytes, *, set_flags: int) -> bytes:
    """Set flag bits in every local and central header."""
    out = bytearray(data)
    for _, flags_at, _ in _headers(data):
        (flags,) = struct.unpack_from("<H", out, flags_at)
        struct.pack_into("<H", out, flags_at, flags | set_flags)
    return bytes(out)


def _snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A tmp tree with a file beside dest, so escapes would be visible."""
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "keep.txt").write_text("keep")
    return tmp_path


def _refused(tree: Path, data: bytes, limits: ZipLimits = ZipLimits()) -> UnsafeArchive:
    zip_path = tree / "work" / "证据.zip"
    zip_path.write_bytes(data)
    before = _snapshot(tree)
    with pytest.raises(UnsafeArchive) as caught:
        extract_evidence_zip(zip_path, tree / "work" / "dest", limits)
    assert _snapshot(tree) == before, "a refused archive must write nothing anywhere"
    return caught.value


def test_extracts_files_and_maps_names(tree: Path):
    data = _zip_bytes([
        ("申报书.pdf", b"%PDF a"),
        ("附件/", b""),
        ("附件/营业执照.jpg", b"jpg"),
        ("附件/深层/证明.png", b"png"),
    ], zipfile.ZIP_DEFLATED)
    zip_path = tree / "in.zip"
    zip_path.write_bytes(data)
    dest = tree / "work" / "dest"
    result = extract_evidence_zip(zip_path, dest)
    root = dest.resolve()
    assert result == {
        "申报书.pdf": root / "申报书.pdf",
        "附件/营业执照.jpg": root / "附件" / "营业执照.jpg",
        "附件/深层/证明.png": root / "附件" / "深层" / "证明.png",
    }
    assert result["附件/深层/证明.png"].read_bytes() == b"png"
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*")) == [
        "申报书.pdf", "附件", "附件/深层", "附件/深层/证明.png", "附件/营业执照.jpg",
    ]


def test_gbk_name_without_utf8_flag_is_decoded(tree: Path):
    gbk = "营业执照.pdf".encode("gbk")
    placeholder = b"X" * (len(gbk) - 4) + b".pdf"
    data = _zip_bytes([(placeholder.decode(), b"content")]).replace(placeholder, gbk)
    assert all(not struct.unpack_from("<H", data, f)[0] & 0x800 for _, f, _ in _headers(data))
    zip_path = tree / "gbk.zip"
    zip_path.write_bytes(data)
    result = extract_evidence_zip(zip_path, tree / "dest")
    assert list(result) == ["营业执照.pdf"]
    assert result["营业执照.pdf"].read_bytes() == b"content"


def test_name_that_is_not_gbk_falls_back_to_cp437(tree: Path):
    raw = b"\x80abc.txt"
    data = _zip_bytes([("Xabc.txt", b"x")]).replace(b"Xabc.txt", raw)
    zip_path = tree / "cp437.zip"
    zip_path.write_bytes(data)
    assert list(extract_evidence_zip(zip_path, tree / "dest")) == [raw.decode("cp437")]


def test_utf8_flag_names_are_taken_as_utf8(tree: Path):
    data = _zip_bytes([("中文.pdf", b"x")])
    assert all(struct.unpack_from("<H", data, f)[0] & 0x800 for _, f, _ in _headers(data))
    zip_path = tree / "utf8.zip"
    zip_path.write_bytes(data)
    assert list(extract_evidence_zip(zip_path, tree / "dest")) == ["中文.pdf"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "含上级目录"),
        ("a/../../evil.txt", "含上级目录"),
        ("..", "含上级目录"),
        ("/etc/evil.txt", "绝对路径"),
        ("\\evil.txt", "绝对路径"),
        ("C:/evil.txt", "盘符"),
        ("c:evil.txt", "盘符"),
        ("a\\b.txt", "反斜杠"),
        ("..\\evil.txt", "反斜杠"),
        ("a//b.txt", "空段"),
        ("./a.txt", "空段"),
        ("a.pdf:stream", "Windows 不允许的字符"),
        ("CON.txt", "保留设备名"),
        ("a.pdf.", "结尾"),
        ("", "名称为空"),
    ],
)
def test_bad_names_are_refused(tree: Path, name: str, reason: str):
    error = _refused(tree, _zip_bytes([(zipfile.ZipInfo(name), b"x"), ("ok.pdf", b"ok")]))
    assert any(reason in p for p in error.problems), error.problems


def test_nul_in_name_is_refused(tree: Path):
    data = _zip_bytes([("aXb.pdf", b"x")]).replace(b"aXb.pdf", b"a\x00b.pdf")
    error = _refused(tree, data)
    assert error.problems == ["第1项 a\\x00b.pdf：名称含 NUL 字符"]


def test_symlink_is_refused(tree: Path):
    link = zipfile.ZipInfo("link.pdf")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    error = _refused(tree, _zip_bytes([(link, b"/etc/passwd")]))
    assert error.problems == ["第1项 link.pdf：是符号链接"]


def test_encrypted_entry_is_refused(tree: Path):
    data = _patch(_zip_bytes([("secret.pdf", b"x")]), set_flags=0x1)
    error = _refused(tree, data)
    assert error.problems == ["第1项 secret.pdf：已加密"]


@pytest.mark.parametrize(
    "names",
    [
        ["A.pdf", "a.pdf"],
        ["dir/Report.PDF", "DIR/report.pdf"],
        ["same.pdf", "same.pdf"],
        [unicodedata.normalize("NFD", "é.pdf"), unicodedata.normalize("NFC", "É.pdf")],
    ],
)
def test_duplicates_after_nfc_and_casefold_are_refused(tree: Path, names: list[str]):
    error = _refused(tree, _zip_bytes([(n, b"x") for n in names]))
    assert len(error.problems) == 1 and "与第1项重名" in error.problems[0]
    assert error.problems[0].startswith("第2项 ")


def test_file_that_is_also_a_folder_is_refused(tree: Path):
    error = _refused(tree, _zip_bytes([("a", b"file"), ("A/b.pdf", b"x")]))
    assert error.problems == ["A/b.pdf：所在文件夹与第1项文件同名"]


def test_every_problem_is_listed_at_once(tree: Path):
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    error = _refused(tree, _zip_bytes([
        ("good.pdf", b"fine"), ("../up.pdf", b"x"), ("/abs.pdf", b"x"), (link, b"x"),
        ("A.pdf", b"x"), ("a.pdf", b"x"),
    ]))
    assert len(error.problems) == 4
    lines = str(error).splitlines()
    assert lines[0] == "压缩包 证据.zip 未导入，共 4 处问题"
    assert lines[1:] == error.problems
    assert error.zip_name == "证据.zip"


def test_entry_count_limit(tree: Path):
    error = _refused(tree, _zip_bytes([(f"{i}.pdf", b"x") for i in range(6)]), ZipLimits(max_entries=5))
    assert error.problems == ["条目数 6 超过上限 5"]


def test_single_file_size_limit(tree: Path):
    error = _refused(tree, _zip_bytes([("big.pdf", b"x" * 101)]), ZipLimits(max_file_size=100))
    assert error.problems == ["第1项 big.pdf：大小 101 字节超过单个文件上限 100 字节"]


def test_total_size_limit(tree: Path):
    data = _zip_bytes([("a.pdf", b"x" * 60), ("b.pdf", b"x" * 60)])
    error = _refused(tree, data, ZipLimits(max_total_size=100))
    assert error.problems == ["解压后总大小 120 字节超过上限 100 字节"]


def test_compression_ratio_limit(tree: Path):
    data = _zip_bytes([("bomb.pdf", b"\0" * 200_000)], zipfile.ZIP_DEFLATED)
    error = _refused(tree, data, ZipLimits(max_ratio=10, ratio_min_size=1000))
    assert error.problems == ["第1项 bomb.pdf：压缩比超过 10:1，疑似压缩炸弹"]
    # small entries may compress as much as they like
    zip_path = tree / "small.zip"
    zip_path.write_bytes(data)
    assert extract_evidence_zip(zip_path, tree / "ok", ZipLimits(max_ratio=10, ratio_min_size=1 << 20))


def test_lying_header_is_caught_and_cleaned_up(tree: Path):
    payload = b"0123456789" * 1000
    data = _zip_bytes([("first.pdf", b"fine"), ("liar.pdf", payload)])
    # declare liar.pdf smaller than it is, in both headers; zipfile then stops
    # at the declared size and the CRC no longer matches
    out = bytearray(data)
    for start, _, size_at in _headers(data):
        if data[start:start + 4] == b"PK\x03\x04":
            name_len = struct.unpack_from("<H", data, start + 26)[0]
            name = data[start + 30:start + 30 + name_len]
        else:
            name_len = struct.unpack_from("<H", data, start + 28)[0]
            name = data[start + 46:start + 46 + name_len]
        if name == b"liar.pdf":
            struct.pack_into("<I", out, size_at, 100)
    error = _refused(tree, bytes(out))
    assert error.problems == ["liar.pdf：解压失败（数据校验（CRC-32）不符，压缩包已损坏或被改动）"]


def test_stream_longer_than_declared_aborts(tree: Path, monkeypatch):
    zip_path = tree / "work" / "证据.zip"
    zip_path.write_bytes(_zip_bytes([("a.pdf", b"fine"), ("b.pdf", b"12345")]))
    real_open = zipfile.ZipFile.open

    def endless(self, info, *args, **kwargs):
        if getattr(info, "orig_filename", info) == "b.pdf":
            return io.BytesIO(b"y" * (3 * safezip.CHUNK))
        return real_open(self, info, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", endless)
    before = _snapshot(tree)
    with pytest.raises(UnsafeArchive) as caught:
        extract_evidence_zip(zip_path, tree / "work" / "dest")
    assert caught.value.problems == ["b.pdf：解压失败（实际大小超过声明的 5 字节，已中止）"]
    assert _snapshot(tree) == before


def test_corrupt_data_leaves_nothing(tree: Path):
    data = bytearray(_zip_bytes([("a.pdf", b"fine"), ("b.pdf", b"AAAA")]))
    at = bytes(data).rfind(b"AAAA")
    data[at:at + 4] = b"BBBB"  # CRC no longer matches
    error = _refused(tree, bytes(data))
    assert error.problems[0].startswith("b.pdf：解压失败")


def test_existing_names_in_dest_are_not_overwritten(tree: Path):
    dest = tree / "work" / "dest"
    dest.mkdir()
    (dest / "A.pdf").write_bytes(b"old")
    error = _refused(tree, _zip_bytes([("a.pdf", b"new"), ("b.pdf", b"x")]))
    assert error.problems == ["a.pdf：目标文件夹中已存在同名文件或文件夹"]
    assert (dest / "A.pdf").read_bytes() == b"old"


def test_extracts_beside_existing_files(tree: Path):
    dest = tree / "work" / "dest"
    dest.mkdir()
    (dest / "old.pdf").write_bytes(b"old")
    zip_path = tree / "in.zip"
    zip_path.write_bytes(_zip_bytes([("new.pdf", b"new")]))
    extract_evidence_zip(zip_path, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["new.pdf", "old.pdf"]


def test_not_a_zip(tree: Path):
    error = _refused(tree, b"this is not a zip file")
    assert len(error.problems) == 1 and error.problems[0].startswith("无法读取压缩包")


def test_dest_that_is_a_file(tree: Path):
    zip_path = tree / "in.zip"
    zip_path.write_bytes(_zip_bytes([("a.pdf", b"x")]))
    (tree / "file").write_text("x")
    with pytest.raises(UnsafeArchive, match="不是文件夹"):
        extract_evidence_zip(zip_path, tree / "file")


def test_unsupported_method_is_refused(tree: Path):
    data = bytearray(_zip_bytes([("a.pdf", b"x")]))
    for start, _, _ in _headers(bytes(data)):
        method_at = start + (8 if data[start:start + 4] == b"PK\x03\x04" else 10)
        struct.pack_into("<H", data, method_at, 99)  # AES (WinZip) method
    error = _refused(tree, bytes(data))
    assert error.problems == ["第1项 a.pdf：压缩方式 99 不受支持"]
