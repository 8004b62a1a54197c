"""The evidence store: content addressing, idempotence, integrity."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from models.workspace import evidence
from models.workspace.evidence import EvidenceAltered, EvidenceStore, guess_kind, sha256_file


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "store")


def test_add_stores_under_sha_prefix(store: EvidenceStore, tmp_path: Path):
    data = "营业执照".encode() * 1000
    source = _write(tmp_path / "营业执照.pdf", data)
    stored = store.add(source)
    sha = hashlib.sha256(data).hexdigest()
    assert stored == evidence.StoredFile(sha, len(data), "营业执照.pdf")
    assert store.path_of(sha) == store.root / sha[:2] / sha
    assert store.path_of(sha).read_bytes() == data
    assert _all_files(store.root) == [store.path_of(sha)]  # no temp file, no extension
    assert source.read_bytes() == data


def test_add_streams_large_files_in_chunks(store: EvidenceStore, tmp_path: Path):
    data = os.urandom(evidence.CHUNK * 2 + 123)
    stored = store.add(_write(tmp_path / "big.bin", data))
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() == sha256_file(tmp_path / "big.bin")


def test_add_with_the_known_hash_reads_once_and_refuses_other_bytes(store: EvidenceStore, tmp_path: Path):
    data = "审核表".encode() * 500
    sha = hashlib.sha256(data).hexdigest()
    noted: list[str] = []
    stored = store.add(_write(tmp_path / "T00001.pdf", data), before_new=noted.append, sha256=sha)
    assert stored == evidence.StoredFile(sha, len(data), "T00001.pdf") and noted == [sha]
    assert store.path_of(sha).read_bytes() == data
    changed = _write(tmp_path / "T00002.pdf", data + b"%")  # not the bytes the worker hashed
    other = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(OSError, match="T00002.pdf 在复制过程中被改动"):
        store.add(changed, sha256=other)
    assert _all_files(store.root) == [store.path_of(sha)]  # no copy under a hash its bytes do not have


def test_add_is_idempotent(store: EvidenceStore, tmp_path: Path):
    first = store.add(_write(tmp_path / "a.pdf", b"same"))
    target = store.path_of(first.sha256)
    mtime = target.stat().st_mtime_ns
    second = store.add(_write(tmp_path / "b.pdf", b"same"))
    assert second.sha256 == first.sha256 and second.name == "b.pdf"
    assert target.stat().st_mtime_ns == mtime
    assert _all_files(store.root) == [target]


def test_add_repairs_a_corrupt_stored_copy(store: EvidenceStore, tmp_path: Path):
    stored = store.add(_write(tmp_path / "a.pdf", b"original"))
    target = store.path_of(stored.sha256)
    target.write_bytes(b"tampered")
    assert not store.verify(stored.sha256).ok
    store.add(tmp_path / "a.pdf")
    assert target.read_bytes() == b"original"
    assert store.verify(stored.sha256).ok
    assert _all_files(store.root) == [target]


def test_add_leaves_nothing_behind_on_error(store: EvidenceStore, tmp_path: Path, monkeypatch):
    source = _write(tmp_path / "a.pdf", b"content")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(evidence.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        store.add(source)
    assert _all_files(store.root) == []


def test_add_missing_source_raises(store: EvidenceStore, tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        store.add(tmp_path / "nope.pdf")
    assert not store.root.exists() or _all_files(store.root) == []


def test_verify_reports_ok_missing_and_altered(store: EvidenceStore, tmp_path: Path):
    sha = store.add(_write(tmp_path / "a.png", b"png bytes")).sha256
    ok = store.verify(sha)
    assert (ok.ok, ok.expected, ok.actual, ok.message) == (True, sha, sha, "完整性校验通过")

    store.path_of(sha).write_bytes(b"png bytez")
    altered = store.verify(sha)
    assert not altered.ok
    assert altered.actual == hashlib.sha256(b"png bytez").hexdigest()
    assert altered.message == "文件已被改动（SHA-256 不符）"

    store.path_of(sha).unlink()
    missing = store.verify(sha)
    assert (missing.ok, missing.actual, missing.message) == (False, None, "文件缺失")


def test_read_verified(store: EvidenceStore, tmp_path: Path):
    sha = store.add(_write(tmp_path / "a.pdf", b"%PDF-1.7 ...")).sha256
    assert store.read_verified(sha) == b"%PDF-1.7 ..."

    store.path_of(sha).write_bytes(b"%PDF-1.7 !!!")
    with pytest.raises(EvidenceAltered) as caught:
        store.read_verified(sha)
    assert sha[:12] in str(caught.value) and "改动" in str(caught.value)
    assert not caught.value.missing

    store.path_of(sha).unlink()
    with pytest.raises(EvidenceAltered) as caught:
        store.read_verified(sha)
    assert caught.value.missing and "缺失" in str(caught.value)


@pytest.mark.parametrize("bad", ["", "abc", "../" + "0" * 61, "A" * 64, "g" * 64, "0" * 63 + "/"])
def test_path_of_rejects_non_digests(store: EvidenceStore, bad: str):
    with pytest.raises(ValueError):
        store.path_of(bad)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("申报书.PDF", "pdf"), ("a.pdf", "pdf"),
        ("x.png", "image"), ("x.JPG", "image"), ("x.jpeg", "image"), ("x.bmp", "image"),
        ("x.gif", "image"), ("x.tif", "image"), ("x.TIFF", "image"), ("x.webp", "image"),
        ("x.docx", "other"), ("pdf", "other"), ("x.pdf.exe", "other"), ("", "other"),
    ],
)
def test_guess_kind(name: str, kind: str):
    assert guess_kind(name) == kind
