"""The signer's kept CMS parts: a signature built from them is, byte for byte, the one pyHanko builds afresh."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

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
