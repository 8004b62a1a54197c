"""The files that travel between PCs for an offline evaluation session: ZIPs with a hash manifest.

A package is refused whole when its manifest is missing or foreign, when a
file is missing, extra or does not match its hash, or when the archive is
truncated. Nothing is read from a package before it has been checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from models.failures import ReviewDeskError
from models.limits import MAX_RESULTS_PACKAGE_BYTES, MAX_SESSION_PACKAGE_BYTES, megabytes
from models.signing.signatures import ALGORITHM, sign_record, verify_record

MANIFEST = "manifest.json"
SESSION_FORMAT = "reviewdesk-session/2"
"""Written now: each application as its record types' fields (:mod:`models.sessions.entries`)."""
SESSION_FORMAT_1 = "reviewdesk-session/1"
SESSION_FORMATS = (SESSION_FORMAT, SESSION_FORMAT_1)
"""Read: this format, and the one before it (the tables' rows), so a package exported before still opens."""
RESULTS_FORMAT = "reviewdesk-session-results/1"
EXPORT_ACTION = "导出会评包"
_LIMITS = {**dict.fromkeys(SESSION_FORMATS, MAX_SESSION_PACKAGE_BYTES), RESULTS_FORMAT: MAX_RESULTS_PACKAGE_BYTES}
_CHUNK = 1 << 20


class PackageRefused(ReviewDeskError):
    """A session package or results file failed its checks; nothing was taken from it."""


SIGNATURE = "signature"


def write_package(out: Path, kind: str, header: dict[str, Any], members: dict[str, bytes],
                  key: ec.EllipticCurvePrivateKey | None = None) -> None:
    """Write ``members`` and a manifest of their SHA-256 to ``out`` (temp name, then renamed).

    With ``key`` the manifest — and through its hashes every file — is signed.
    """
    manifest: dict[str, Any] = {"format": kind, **({"alg": ALGORITHM} if key is not None else {}), **header,
                                "files": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}}
    if key is not None:
        manifest[SIGNATURE] = base64.b64encode(sign_record(key, manifest)).decode("ascii")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for name, data in members.items():
            archive.writestr(name, data)
    os.replace(partial, out)


def read_package(path: Path, kind: str, *older: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member, each checked against its hash. Raises :class:`PackageRefused`.

    The manifest's format must be ``kind`` or one of the ``older`` formats still read.

    Members are inflated chunk by chunk and counted, so a small ZIP that inflates to gigabytes
    is refused at the limit of its kind, long before it fills the memory.
    """
    name = path.name
    limit = _LIMITS.get(kind, MAX_RESULTS_PACKAGE_BYTES)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            declared = sum(info.file_size for info in infos.values())
            if declared > limit:
                raise PackageRefused(f"{name} 解压后为 {megabytes(declared)}，超过 {megabytes(limit)} 上限，未合并任何内容")
            budget = [limit]
            try:
                manifest = json.loads(_inflate(archive, infos[MANIFEST], budget, name))
            except (KeyError, ValueError):
                raise PackageRefused(f"{name} 缺少有效的清单，不是审核台会评文件") from None
            if manifest.get("format") not in (kind, *older):
                raise PackageRefused(f"{name} 的格式为 {manifest.get('format')!r}，应为 {kind}")
            expected: dict[str, str] = manifest.get("files", {})
            present = set(infos) - {MANIFEST}
            if present != set(expected):
                extra, missing = sorted(present - set(expected)), sorted(set(expected) - present)
                raise PackageRefused(f"{name} 的文件与清单不一致（多出 {extra}，缺少 {missing}）")
            members = {}
            for member, digest in expected.items():
                data = _inflate(archive, infos[member], budget, name)
                if hashlib.sha256(data).hexdigest() != digest:
                    raise PackageRefused(f"{name} 中的 {member} 与清单中的哈希不符，文件已被改动")
                members[member] = data
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, zipfile.LargeZipFile) as error:
        raise PackageRefused(f"{name} 无法读取（文件不完整或已损坏：{error}），未合并任何内容") from None
    return manifest, members


def manifest_signed_by(manifest: dict[str, Any], certificate: x509.Certificate) -> bool:
    """Whether the manifest (and so every file it lists) carries ``certificate``'s signature."""
    body = {key: value for key, value in manifest.items() if key != SIGNATURE}
    try:
        signature = base64.b64decode(str(manifest.get(SIGNATURE, "")), validate=True)
    except (binascii.Error, ValueError):
        return False
    return bool(signature) and verify_record(certificate, body, signature)


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], name: str) -> bytes:
    """One member, counting what it really inflates to against what is left of ``budget``."""
    parts: list[bytes] = []
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise PackageRefused(f"{name} 中的 {info.filename} 解压后超过上限，未合并任何内容")
            parts.append(chunk)
    return b"".join(parts)
