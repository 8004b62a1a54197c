"""The signer's kept CMS parts: a signature built from them is, byte for byte, the one pyHanko builds afresh."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from asn1crypto import cms

from demo.workspace import DEMO_PASSPHRASE
from models.signing.reviewers import ca_certificate, get_reviewer, unlock
from models.signing.revocation import require_current_crl
from models.workspace.workspace import Workspace
from sheets.sign import CachingSimpleSigner, SheetSigner, SignerMaterial
from tests.sheets.support import FIRST_REVIEWER


def _signer(folder: Path) -> CachingSimpleSigner:
    with Workspace.open(folder, create=False, lock=False) as ws:
        reviewer = get_reviewer(ws, FIRST_REVIEWER)
        material = SignerMaterial.of(unlock(ws, FIRST_REVIEWER, DEMO_PASSPHRASE), reviewer.certificate,
                                     ca_certificate(ws), require_current_crl(ws).der)
    return SheetSigner(material)._signer


def _unkept(signer: CachingSimpleSigner) -> CachingSimpleSigner:
    """The same key and certificates with CMS parts of its own, none kept yet: pyHanko's own path."""
    return CachingSimpleSigner(signer.signing_cert, signer.signing_key, cert_registry=signer.cert_registry)


def _without_signature(signed: cms.ContentInfo) -> tuple[bytes, bytes]:
    """(the CMS with its signature value blanked, the signed attributes): ECDSA signs differently every time."""
    copy = cms.ContentInfo.load(signed.dump())
    info = copy["content"]["signer_infos"][0]
    attributes = info["signed_attrs"].dump()
    info["signature"] = b"\x00" * 8
    return copy.dump(force=True), attributes


def test_a_kept_signed_data_encodes_as_pyhankos_own(demo_template: Path) -> None:
    kept = _signer(demo_template)
    fresh = _unkept(kept)
    for n in range(3):
        digest = hashlib.sha256(f"sheet {n}".encode()).digest()
        ours = asyncio.run(kept.async_sign(digest, "sha256", use_pades=True))
        fresh._signed_data_parts.clear()  # pyHanko's own path every time
        fresh._attribute_templates.clear()
        fresh._info_parts.clear()
        theirs = asyncio.run(fresh.async_sign(digest, "sha256", use_pades=True))
        assert _without_signature(ours) == _without_signature(theirs)
    assert kept._signed_data_parts, "the later signatures were built from the kept parts"


def test_a_new_signer_with_the_same_certificates_starts_from_the_kept_parts(demo_template: Path) -> None:
    digest = hashlib.sha256(b"first sheet of an export").digest()
    first = _signer(demo_template)
    asyncio.run(first.async_sign(digest, "sha256", use_pades=True))
    second = _signer(demo_template)  # the next export in this process
    assert second is not first and second._signed_data_parts is first._signed_data_parts
    assert second._signed_data_parts and second._info_parts and second._attribute_templates
    ours = asyncio.run(second.async_sign(digest, "sha256", use_pades=True))
    theirs = asyncio.run(_unkept(second).async_sign(digest, "sha256", use_pades=True))
    assert _without_signature(ours) == _without_signature(theirs)


def test_the_key_is_loaded_once_and_its_signatures_verify_with_the_certificate(demo_ws: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509 import load_der_x509_certificate

    from sheets import sign
    from sheets.sign_direct import run_here

    signer = _signer(demo_ws)
    loads: list[bytes] = []
    real_load = sign.serialization.load_der_private_key
    monkeypatch.setattr(sign.serialization, "load_der_private_key",
                        lambda data, password: loads.append(data) or real_load(data, password))
    public = load_der_x509_certificate(signer.signing_cert.dump()).public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    for n in range(3):
        message = f"第 {n} 份审核表".encode()
        signature = run_here(signer.async_sign_raw(message, "sha256"))
        public.verify(signature, message, ec.ECDSA(hashes.SHA256()))  # raises if it does not verify
        signed = run_here(signer.async_sign(hashlib.sha256(message).digest(), "sha256", use_pades=True))
        info = signed["content"]["signer_infos"][0]
        public.verify(info["signature"].native, info["signed_attrs"].untag().dump(), ec.ECDSA(hashes.SHA256()))
    assert len(loads) == 1, "loaded from its DER once, not for every signature"
