"""Reviewer private keys at rest, and the passphrases that unlock them.

A key is stored as a small JSON blob: PKCS#8 DER encrypted with AES-256-GCM
under a key derived from the passphrase by scrypt. The KDF parameters and the
salt travel inside the blob, so old blobs stay readable when the defaults
change. Errors are the classes below; their ``str()`` is a Chinese sentence
that can be shown to the user as is.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_private_key,
)

from models.failures import ReviewDeskError

BLOB_FORMAT = "reviewdesk-private-key"
BLOB_VERSION = 1
MAX_PASSPHRASE_FILE_BYTES = 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_SALT_BYTES = 16
_NONCE_BYTES = 12
_AES_KEY_BYTES = 32
_CHECK_BYTES = 16
# A hostile blob must not make decrypt allocate gigabytes: n * r * 128 bytes.
_MAX_SCRYPT_MEMORY = 1 << 30


class KeysError(ReviewDeskError):
    """Base of the key-handling errors; ``str()`` is the Chinese message."""

    default_message = "密钥处理失败"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class WrongPassphrase(KeysError):
    """The passphrase does not unlock the key (or the PKCS#12 file)."""

    default_message = "口令错误，无法解锁审核员密钥"


class PassphraseError(KeysError):
    """A passphrase (or passphrase file) is unusable before any key is tried."""

    default_message = "口令无效"


class KeyFileError(KeysError):
    """A key blob, certificate or PKCS#12 file is damaged, foreign or unfit."""

    default_message = "密钥文件无效"


@dataclass(frozen=True, slots=True)
class KdfParams:
    """scrypt cost parameters; memory use is ``128 * n * r`` bytes (128 MiB by default)."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    @classmethod
    def cheap_for_tests(cls) -> KdfParams:
        return cls(n=2**10, r=8, p=1)

    @classmethod
    def for_travel(cls) -> KdfParams:
        """For keys that leave the bureau in a 会评包: four times the default work, ≥ 1 s per guess."""
        return cls(n=2**17, r=8, p=4)

    def check(self) -> None:
        """Raises KeyFileError when the parameters are out of range."""
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (self.n, self.r, self.p)):
            raise KeyFileError("密钥文件已损坏：口令派生参数不是整数")
        if self.n < 2 or self.n & (self.n - 1) or self.r < 1 or not 1 <= self.p <= 16:
            raise KeyFileError("密钥文件已损坏：口令派生参数无效")
        if 128 * self.n * self.r > _MAX_SCRYPT_MEMORY:
            raise KeyFileError("密钥文件的口令派生参数过大，拒绝处理")

    def derive(self, passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
        """(AES key, passphrase check value) for ``passphrase``."""
        secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        scrypt = Scrypt(salt=salt, length=_AES_KEY_BYTES + _CHECK_BYTES, n=self.n, r=self.r, p=self.p)
        out = scrypt.derive(secret)
        return out[:_AES_KEY_BYTES], out[_AES_KEY_BYTES:]


# --- passphrase intake ------------------------------------------------------


def check_passphrase_text(text: str, where: str = "口令") -> str:
    """``text`` unchanged if usable; PassphraseError when empty or only whitespace."""
    if not text.strip():
        raise PassphraseError(f"{where}为空，不能使用空口令")
    return text


MIN_PASSPHRASE_CHARS = 10


def check_new_passphrase(text: str, whose: str = "口令") -> str:
    """``text`` when fit to protect a key; PassphraseError saying why a short one is not."""
    check_passphrase_text(text, whose)
    if len(unicodedata.normalize("NFC", text)) < MIN_PASSPHRASE_CHARS:
        raise PassphraseError(
            f"{whose}至少需要 {MIN_PASSPHRASE_CHARS} 个字符（现为 {len(text)} 个）：加密的密钥会随备份和会评包离开本机，"
            "短口令可被离线逐个猜测，6 位数字在一台多核电脑上约 2 小时即可猜中")
    return text


def passphrase_strength(text: str) -> str:
    """A short hint shown while a new passphrase is typed: 太短 / 弱 / 中 / 强, with what would help."""
    length = len(unicodedata.normalize("NFC", text))
    if length < MIN_PASSPHRASE_CHARS:
        return f"太短：至少 {MIN_PASSPHRASE_CHARS} 个字符（还差 {MIN_PASSPHRASE_CHARS - length} 个）"
    kinds = sum((any(c.isdigit() for c in text), any(c.isascii() and c.isalpha() for c in text),
                 any(not c.isascii() for c in text), any(c.isascii() and not c.isalnum() for c in text)))
    if len(set(text)) <= 3:
        return "弱：字符重复太多"
    if length >= 16 and kinds >= 2 or length >= 12 and kinds >= 3:
        return "强"
    if kinds >= 2:
        return "中：再长一些（16 个字符以上）更好"
    return "弱：请混合使用字母、数字、汉字或符号"


def check_passphrase(raw: bytes, where: str = "口令") -> str:
    """Decode a passphrase as read from a file or pipe.

    Drops a leading UTF-8 BOM and ONE trailing newline (``\\n`` or ``\\r\\n``);
    everything else, including other whitespace, is part of the passphrase.
    Raises PassphraseError when the bytes are not UTF-8 or the passphrase is empty.
    """
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM):]
    if raw.endswith(b"\r\n"):
        raw = raw[:-2]
    elif raw.endswith(b"\n"):
        raw = raw[:-1]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PassphraseError(f"{where}不是有效的 UTF-8 文本，请用 UTF-8 编码保存") from None
    return check_passphrase_text(text, where)


def read_passphrase_file(path: str | os.PathLike[str]) -> str:
    """The passphrase stored in ``path`` (rules of ``check_passphrase``).

    Raises PassphraseError, with a distinct message, when the file is missing,
    unreadable, larger than 1 KiB, not UTF-8, or holds an empty passphrase.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PASSPHRASE_FILE_BYTES + 1)
    except FileNotFoundError:
        raise PassphraseError(f"口令文件不存在：{path}") from None
    except OSError as exc:
        raise PassphraseError(f"口令文件无法读取：{path}（{exc.strerror or exc}）") from None
    if len(raw) > MAX_PASSPHRASE_FILE_BYTES:
        raise PassphraseError(
            f"口令文件过大（超过 {MAX_PASSPHRASE_FILE_BYTES} 字节），请确认文件路径：{path}"
        )
    return check_passphrase(raw, where=f"口令文件 {path.name} 中的口令")


# --- encrypted key blobs ----------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise KeyFileError("密钥文件已损坏：字段类型错误")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise KeyFileError("密钥文件已损坏：base64 数据无效") from None


def _header(associated: str, kdf: KdfParams, salt: bytes) -> dict[str, Any]:
    return {
        "format": BLOB_FORMAT,
        "version": BLOB_VERSION,
        "associated": associated,
        "kdf": {"name": "scrypt", "n": kdf.n, "r": kdf.r, "p": kdf.p, "salt": _b64(salt)},
        "cipher": "AES-256-GCM",
    }


def _aad(header: dict[str, Any]) -> bytes:
    """The GCM associated data: the whole header, so no field can be edited."""
    return json.dumps(header, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encrypt_private_key(
    key: PrivateKeyTypes,
    passphrase: str,
    kdf: KdfParams | None = None,
    *,
    associated: str,
) -> bytes:
    """A self-describing encrypted blob (UTF-8 JSON) of ``key``.

    ``associated`` names the key's owner (e.g. the reviewer's name or key id);
    the blob only decrypts when the same value is given again.
    Raises PassphraseError for an empty passphrase.
    """
    check_passphrase_text(passphrase)
    kdf = kdf or KdfParams()
    kdf.check()
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
    aes_key, check = kdf.derive(passphrase, salt)
    header = _header(associated, kdf, salt)
    plaintext = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    ciphertext = AESGCM(aes_key).encrypt(nonce, plaintext, _aad(header))
    blob = {**header, "check": _b64(check), "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
    return json.dumps(blob, ensure_ascii=False, indent=1).encode("utf-8")


def _parse_blob(blob: bytes) -> tuple[dict[str, Any], KdfParams, bytes, bytes, bytes, bytes]:
    try:
        data = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise KeyFileError("密钥文件已损坏：不是审核台密钥格式") from None
    if not isinstance(data, dict) or data.get("format") != BLOB_FORMAT:
        raise KeyFileError("密钥文件已损坏：不是审核台密钥格式")
    if data.get("version") != BLOB_VERSION:
        raise KeyFileError(f"密钥文件版本 {data.get('version')!r} 不受支持，请升级审核台")
    kdf_data = data.get("kdf")
    if not isinstance(kdf_data, dict) or kdf_data.get("name") != "scrypt":
        raise KeyFileError("密钥文件使用了不受支持的口令派生算法")
    if data.get("cipher") != "AES-256-GCM" or not isinstance(data.get("associated"), str):
        raise KeyFileError("密钥文件已损坏：加密参数无效")
    kdf = KdfParams(n=kdf_data.get("n"), r=kdf_data.get("r"), p=kdf_data.get("p"))  # type: ignore[arg-type]  # KdfParams.check() refuses anything but ints, next line
    kdf.check()
    salt = _unb64(kdf_data.get("salt"))
    header = _header(data["associated"], kdf, salt)
    check, nonce = _unb64(data.get("check")), _unb64(data.get("nonce"))
    if len(nonce) != _NONCE_BYTES or len(check) != _CHECK_BYTES or not salt:
        raise KeyFileError("密钥文件已损坏：加密参数长度无效")
    return header, kdf, salt, check, nonce, _unb64(data.get("ciphertext"))


def decrypt_private_key(blob: bytes, passphrase: str, *, associated: str) -> PrivateKeyTypes:
    """The private key in ``blob``, unlocked with ``passphrase``.

    Raises KeyFileError when the blob is malformed, belongs to another
    ``associated`` owner, or was altered; WrongPassphrase when the passphrase
    is wrong; PassphraseError when it is empty.
    """
    check_passphrase_text(passphrase)
    header, kdf, salt, check, nonce, ciphertext = _parse_blob(blob)
    if header["associated"] != associated:
        raise KeyFileError(f"密钥文件属于「{header['associated']}」，不是「{associated}」的密钥")
    aes_key, expected_check = kdf.derive(passphrase, salt)
    if not hmac.compare_digest(check, expected_check):
        raise WrongPassphrase()
    try:
        plaintext = AESGCM(aes_key).decrypt(nonce, ciphertext, _aad(header))
    except InvalidTag:
        raise KeyFileError("密钥文件已损坏或被篡改，无法解锁") from None
    try:
        return load_der_private_key(plaintext, password=None)
    except (ValueError, TypeError):
        raise KeyFileError("密钥文件中的私钥数据无效") from None
