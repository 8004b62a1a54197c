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
from models.signing import sign_record, verify_record

MANIFEST = "manifest.json"
SESSION_FORMAT = "reviewdesk-session/1"
RESULTS_FORMAT = "reviewdesk-session-results/1"


class PackageRefused(ReviewDeskError):
    """A session package or results file failed its checks; nothing was taken from it."""


SIGNATURE = "signature"


def write_package(out: Path, kind: str, header: dict[str, Any], members: dict[str, bytes],
                  key: ec.EllipticCurvePrivateKey | None = None) -> None:
    """Write ``members`` and a manifest of their SHA-256 to ``out`` (temp name, then renamed).

    With ``key`` the manifest — and through its hashes every file — is signed.
    """
    manifest: dict[str, Any] = {"format": kind, **header,
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


def read_package(path: Path, kind: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member, each checked against its hash. Raises :class:`PackageRefused`."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.testzip() is not None:
                raise PackageRefused(f"{name} 已损坏（压缩数据校验失败），未合并任何内容")
            try:
                manifest = json.loads(archive.read(MANIFEST))
            except (KeyError, ValueError):
                raise PackageRefused(f"{name} 缺少有效的清单，不是审核台会评文件") from None
            if manifest.get("format") != kind:
                raise PackageRefused(f"{name} 的格式为 {manifest.get('format')!r}，应为 {kind}")
            expected: dict[str, str] = manifest.get("files", {})
            present = set(archive.namelist()) - {MANIFEST}
            if present != set(expected):
                extra, missing = sorted(present - set(expected)), sorted(set(expected) - present)
                raise PackageRefused(f"{name} 的文件与清单不一致（多出 {extra}，缺少 {missing}）")
            members = {}
            for member, digest in expected.items():
                data = archive.read(member)
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
