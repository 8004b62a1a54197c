"""The signed revision written directly holds what pyHanko's writer would: the same signature dictionary, field,
widget, certification, catalog entries, embedded files and metadata, and a CMS with the same attributes; pyHanko
finds it intact, valid, trusted and certified; anything not recognised goes to pyHanko instead."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from sheets import sign as sign_module
from sheets.batch import SheetJob
from sheets.content import attachments
from sheets.layout import Rendered, render
from sheets.sign import BYTES_RESERVED, FIELD_NAME, REASON, SheetSigner, SignerMaterial
from sheets.sign_direct import sign_directly
from tests.sheets.support import run_tool


@pytest.fixture(scope="module")
def both(job_and_material: tuple[SheetJob, SignerMaterial]) -> tuple[bytes, bytes, SignerMaterial]:
    """(signed directly, signed by pyHanko's writer), both B-LT, of the same rendered sheet."""
    job, material = job_and_material
    rendered = render(job.content, job.issue)
    assert rendered.stamp_box is not None
    signer = SheetSigner(material)
    args = (rendered.pdf, attachments(job.content, job.issue), rendered.stamp_page, rendered.stamp_box,
            datetime.fromisoformat(job.issue.exported_at))
    direct = signer.sign(*args)
    by_pyhanko = signer._with_validation_data(signer._sign_with_pyhanko(*args))
    return direct, by_pyhanko, material


def _plain(value: Any, skip: frozenset[str] = frozenset()) -> Any:
    """A PDF object as plain Python, references followed; stream data decoded."""
    value = value.get_object() if isinstance(value, generic.IndirectObject) else value
    if isinstance(value, generic.StreamObject):
        return {"dict": _plain(generic.DictionaryObject(value), skip | {"/Length"}), "data": value.data}
    if isinstance(value, dict):
        return {key: _plain(item, skip) for key, item in value.items() if key not in skip}
    if isinstance(value, list):
        return [_plain(item, skip) for item in value]
    return value


def _signature(pdf: bytes) -> tuple[PdfFileReader, Any]:
    reader = PdfFileReader(io.BytesIO(pdf))
    signatures = reader.embedded_signatures
    assert len(signatures) == 1
    return reader, signatures[0]


def test_the_signature_dictionary_field_and_certification_are_pyhankos(
        both: tuple[bytes, bytes, SignerMaterial]) -> None:
    direct, by_pyhanko, _ = both
    (reader_d, sig_d), (reader_p, sig_p) = _signature(direct), _signature(by_pyhanko)
    assert set(sig_d.sig_object) == set(sig_p.sig_object) >= {"/Contents", "/ByteRange", "/Reference", "/M"}
    skip = frozenset({"/Contents", "/ByteRange"})
    assert _plain(sig_d.sig_object, skip) == _plain(sig_p.sig_object, skip)
    widget_skip = frozenset({"/P", "/V"})
    assert _plain(sig_d.sig_field, widget_skip) == _plain(sig_p.sig_field, widget_skip)
    assert sig_d.sig_field["/T"] == FIELD_NAME and sig_d.sig_object["/Reason"] == REASON
    for reader, sig in ((reader_d, sig_d), (reader_p, sig_p)):
        assert reader.root["/Perms"]["/DocMDP"].get_object() is sig.sig_object.get_object()
        assert reader.root["/AcroForm"]["/Fields"][0].get_object() is sig.sig_field.get_object()
        stamp_page = reader.root["/Pages"]["/Kids"][1].get_object()
        assert [a.get_object() for a in stamp_page["/Annots"]] == [sig.sig_field.get_object()]
        assert sig.sig_field["/P"].get_object() is stamp_page
    catalog_skip = frozenset({"/Perms", "/AcroForm", "/Pages", "/Metadata", "/DSS"})
    assert _plain(reader_d.root, catalog_skip) == _plain(reader_p.root, catalog_skip)
    assert set(reader_d.root) == set(reader_p.root)
    assert _plain(reader_d.root["/AcroForm"], frozenset({"/Fields"})) == \
        _plain(reader_p.root["/AcroForm"], frozenset({"/Fields"}))


def test_the_embedded_files_info_and_metadata_are_pyhankos(both: tuple[bytes, bytes, SignerMaterial]) -> None:
    direct, by_pyhanko, _ = both
    reader_d, reader_p = PdfFileReader(io.BytesIO(direct)), PdfFileReader(io.BytesIO(by_pyhanko))
    assert _plain(reader_d.root["/Names"]) == _plain(reader_p.root["/Names"])
    files = _plain(reader_d.root["/Names"])["/EmbeddedFiles"]["/Names"]
    assert [files[i] for i in range(0, len(files), 2)] == ["sheet.json", "decision-1-first.json",
                                                            "decision-2-second.json"]
    info_skip = frozenset({"/ModDate"})
    assert _plain(reader_d.trailer["/Info"], info_skip) == _plain(reader_p.trailer["/Info"], info_skip)
    assert "pyHanko" in reader_d.trailer["/Info"]["/Producer"]
    xmp_d, xmp_p = (r.root["/Metadata"].get_object().data.decode() for r in (reader_d, reader_p))
    assert xmp_d.split("xmp:ModifyDate")[0] == xmp_p.split("xmp:ModifyDate")[0]
    assert xmp_d.split("pdf:Producer")[1] == xmp_p.split("pdf:Producer")[1]
    assert reader_d.trailer["/ID"][0] == reader_p.trailer["/ID"][0]
    assert reader_d.xrefs.total_revisions == reader_p.xrefs.total_revisions == 3


def test_the_cms_carries_the_same_signed_attributes_and_certificates(
        both: tuple[bytes, bytes, SignerMaterial]) -> None:
    direct, by_pyhanko, _ = both
    (_, sig_d), (_, sig_p) = _signature(direct), _signature(by_pyhanko)
    info_d, info_p = sig_d.signer_info, sig_p.signer_info
    attrs = [{a["type"].native: a["values"].dump() for a in info["signed_attrs"]} for info in (info_d, info_p)]
    assert set(attrs[0]) == set(attrs[1]) == {"content_type", "message_digest", "signing_certificate_v2"}
    assert {k: v for k, v in attrs[0].items() if k != "message_digest"} == \
        {k: v for k, v in attrs[1].items() if k != "message_digest"}
    assert sig_d.signed_data["certificates"].dump() == sig_p.signed_data["certificates"].dump()
    assert info_d["sid"].dump() == info_p["sid"].dump()


def test_pyhanko_finds_the_direct_signature_intact_trusted_and_certified(
        both: tuple[bytes, bytes, SignerMaterial]) -> None:
    direct, by_pyhanko, material = both
    ca = asn1_x509.Certificate.load(material.ca_der)
    for pdf in (direct, by_pyhanko):
        _, sig = _signature(pdf)
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[ca], allow_fetching=False,
                                                               revocation_mode="soft-fail"))
        assert status.intact and status.valid and status.trusted
        assert status.docmdp_ok and sig.docmdp_level is not None and sig.docmdp_level.value == 1
        assert status.coverage.name == "ENTIRE_REVISION" and status.modification_level.name == "LTA_UPDATES"


def test_a_changed_byte_in_the_signed_range_breaks_it(both: tuple[bytes, bytes, SignerMaterial]) -> None:
    direct, _, material = both
    at = direct.index(b"/MediaBox")
    tampered = direct[:at] + b"/MediaBax" + direct[at + 9:]
    _, sig = _signature(tampered)
    ca = asn1_x509.Certificate.load(material.ca_der)
    try:
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[ca], allow_fetching=False,
                                                               revocation_mode="soft-fail"))
    except SignatureValidationError:
        return
    assert not status.intact


def test_pdfsig_accepts_the_direct_signature(both: tuple[bytes, bytes, SignerMaterial], tmp_path: Path) -> None:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(both[0])
    assert "Signature is Valid." in run_tool("pdfsig", str(path))


def _rendered(job: SheetJob) -> Rendered:
    return render(job.content, job.issue)


def test_the_signer_takes_the_direct_path(job_and_material: tuple[SheetJob, SignerMaterial],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    job, material = job_and_material
    taken: list[bool] = []
    real = sign_module.sign_directly

    def spy(*args: Any, **kwargs: Any) -> bytes | None:
        result = real(*args, **kwargs)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(sign_module, "sign_directly", spy)
    rendered = _rendered(job)
    assert rendered.stamp_box is not None
    SheetSigner(material).sign(rendered.pdf, attachments(job.content, job.issue), rendered.stamp_page,
                               rendered.stamp_box, datetime.fromisoformat(job.issue.exported_at))
    assert taken == [True]


def test_what_is_not_recognised_is_left_to_pyhanko(job_and_material: tuple[SheetJob, SignerMaterial],
                                                   both: tuple[bytes, bytes, SignerMaterial]) -> None:
    job, material = job_and_material
    rendered = _rendered(job)
    assert rendered.stamp_box is not None
    signer = SheetSigner(material)

    def direct(pdf: bytes, page: int = rendered.stamp_page) -> bytes | None:
        assert rendered.stamp_box is not None
        return sign_directly(pdf, signer._signer, attachments(job.content, job.issue), page, rendered.stamp_box,
                             datetime.fromisoformat(job.issue.exported_at), field_name=FIELD_NAME, name="甲",
                             reason=REASON, location=None, bytes_reserved=BYTES_RESERVED)

    assert direct(rendered.pdf) is not None
    assert direct(both[0]) is None  # already signed: another revision, a catalog with /AcroForm
    assert direct(rendered.pdf, page=7) is None  # no such page
    assert direct(rendered.pdf.replace(b"/Type /Page\n", b"/Annots [ ] /Type /Page\n")) is None
    assert direct(rendered.pdf.replace(b"/Type /Catalog", b"/Type /Catalog /Names 1 0 R")) is None
    assert direct(b"%PDF-1.7\nnot a sheet\n%%EOF\n") is None
    assert direct(rendered.pdf[:-20]) is None
