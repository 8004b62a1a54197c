"""Content-addressed evidence store: ``root/<sha[:2]>/<sha256>``, nothing else on disk.

Original names, sizes and kinds are kept by the caller (the workspace database);
the store only guarantees that a stored file's bytes still hash to its name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from models.failures import ReviewDeskError
from models.workspace.leftovers import process_alive

CHUNK = 1 << 20
SHORT = 12  # hex digits shown to people

MISSING = "文件缺失"
ALTERED = "文件已被改动（SHA-256 不符）"
INTACT = "完整性校验通过"

_SHA256 = re.compile(r"[0-9a-f]{64}")


def is_digest(text: object) -> bool:
    """A lowercase hex SHA-256 digest, the only name a stored file has."""
    return isinstance(text, str) and _SHA256.fullmatch(text) is not None


_PDF = {".pdf"}
_IMAGE = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}

Kind = Literal["pdf", "image", "other"]


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    name: str  # the source file's name, for the caller to record


@dataclass(frozen=True, slots=True)
class Integrity:
    ok: bool
    expected: str
    actual: str | None  # None when the stored file is missing or unreadable
    message: str


class EvidenceAltered(ReviewDeskError):
    """A stored file is missing or no longer matches its SHA-256."""

    def __init__(self, sha256: str, missing: bool = False) -> None:
        self.sha256 = sha256
        self.missing = missing
        what = MISSING if missing else ALTERED
        super().__init__(f"证据文件 {sha256[:SHORT]} {what}，不能使用")


def guess_kind(name: str | Path) -> Kind:
    suffix = Path(name).suffix.lower()
    if suffix in _PDF:
        return "pdf"
    if suffix in _IMAGE:
        return "image"
    return "other"


def _hash_stream(stream: BinaryIO, sink: BinaryIO | None = None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest(), size


def sha256_file(path: str | Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable on POSIX; Windows cannot open a directory, and
    # NTFS journals the rename anyway.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class EvidenceStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._root = os.fspath(self.root)

    def path_of(self, sha256: str) -> Path:
        """Where ``sha256`` is (or would be) stored; rejects anything not a lowercase hex digest."""
        return Path(self.file_of(sha256))

    def file_of(self, sha256: str) -> str:
        """:meth:`path_of` as text (no ``Path`` made: the verify opens thousands)."""
        if not is_digest(sha256):
            raise ValueError(f"不是有效的 SHA-256 摘要：{sha256!r}")
        return os.path.join(self._root, sha256[:2], sha256)

    def add(self, path: str | Path, before_new: Callable[[str], None] | None = None,
            sha256: str | None = None) -> StoredFile:
        """Store a copy of ``path``; a no-op when an intact copy is already there.

        ``before_new(sha256)`` is called when the file is new to the store, before its copy starts. The copy
        is written as ``.<sha256>.<process id>.….part`` beside its place, so that what a killed process left
        can be found by digest and told from another process's copy in progress (:meth:`remove_dead_parts`).
        With ``sha256`` (what the caller knows the file's hash to be) the file is read once, as it is copied, and
        a copy with another hash is refused as when the file changed while it was copied.
        """
        source = Path(path)
        sha, size = (sha256, -1) if sha256 is not None else self._hash_source(source)
        target = Path(self.file_of(sha))
        if target.is_file() and self.verify(sha).ok:
            return StoredFile(sha, size if size >= 0 else target.stat().st_size, source.name)
        if before_new is not None:
            before_new(sha)
        try:
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{sha}.{os.getpid()}.", suffix=".part")
        except FileNotFoundError:  # the first file under this prefix
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{sha}.{os.getpid()}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as sink, open(source, "rb") as stream:
                copied_sha, copied_size = _hash_stream(stream, sink)
                sink.flush()
                os.fsync(sink.fileno())
            if copied_sha != sha:
                raise OSError(f"文件 {source.name} 在复制过程中被改动，请重新添加")
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return StoredFile(sha, copied_size, source.name)

    def remove_dead_parts(self, sha256: str) -> list[Path]:
        """Delete the partial copies of ``sha256`` whose writing process is gone (a killed one); the removed paths."""
        folder = self.path_of(sha256).parent
        removed = []
        for part in folder.glob(f".{sha256}.*.part"):
            pid = part.name[len(sha256) + 2:].partition(".")[0]
            if pid.isdigit() and not process_alive(int(pid)):
                part.unlink(missing_ok=True)
                removed.append(part)
        return removed

    def remove(self, sha256: str) -> None:
        """Delete a stored file (one no row refers to: the caller checks under the write lock)."""
        self.path_of(sha256).unlink(missing_ok=True)

    def verify(self, sha256: str) -> Integrity:
        target = self.file_of(sha256)
        try:
            actual = sha256_file(target)
        except FileNotFoundError:
            return Integrity(False, sha256, None, MISSING)
        except OSError as error:
            return Integrity(False, sha256, None, f"文件无法读取：{error.strerror or error}")
        if actual != sha256:
            return Integrity(False, sha256, actual, ALTERED)
        return Integrity(True, sha256, actual, INTACT)

    def read_verified(self, sha256: str) -> bytes:
        """The stored bytes, only if they still hash to ``sha256``."""
        try:
            with open(self.file_of(sha256), "rb") as stream:
                data = stream.read()
        except FileNotFoundError:
            raise EvidenceAltered(sha256, missing=True) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise EvidenceAltered(sha256)
        return data

    @staticmethod
    def _hash_source(source: Path) -> tuple[str, int]:
        with open(source, "rb") as stream:
            return _hash_stream(stream)
