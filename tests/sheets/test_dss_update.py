"""The DSS revision a sheet gets right after signing: written directly, it holds what pyHanko's would, and the
signature stays intact; anything not recognised goes to pyHanko instead."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from sheets import sign as sign_module
from sheets.batch import SheetJob
from sheets.content import attachments
from sheets.dss_update import append_dss
from sheets.layout import render
from sheets.sign import SheetSigner, SignerMaterial
from tests.sheets.support import run_tool


@pytest.fixture(scope="module")
def signed_without_dss(job_and_material: tuple[SheetJob, SignerMaterial]) -> tuple[bytes, SignerMaterial]:
    job, material = job_and_material
    rendered = render(job.content, job.issue)
    bare = SheetSigner(SignerMaterial(**{**_fields(material), "crl_der": b""}))  # B-B: no DSS
    assert rendered.stamp_box is not None
    pdf = bare.sign(rendered.pdf, attachments(job.content, job.issue), rendered.stamp_page, rendered.stamp_box,
                    datetime.fromisoformat(job.issue.exported_at))
    return pdf, material


def _fields(material: SignerMaterial) -> dict[str, object]:
    return {name: getattr(material, name) for name in SignerMaterial.__dataclass_fields__}


def _dss(pdf: bytes) -> tuple[set[bytes], set[bytes], int]:
    reader = PdfFileReader(io.BytesIO(pdf))
    dss = DocumentSecurityStore.read_dss(reader)
    certs = {ref.get_object().data for ref in dss.certs.values()}
    crls = {ref.get_object().data for ref in dss.crls}
    return certs, crls, reader.xrefs.total_revisions


def test_the_direct_dss_holds_the_chain_and_crl_as_pyhankos_does(
        signed_without_dss: tuple[bytes, SignerMaterial], tmp_path: Path) -> None:
    pdf, material = signed_without_dss
    direct = append_dss(pdf, [material.certificate_der, material.ca_der], [material.crl_der])
    assert direct is not None and direct.startswith(pdf)
    buffer = io.BytesIO(pdf)
    sign_module.add_validation_data(buffer, SheetSigner(material)._dss_certs, SheetSigner(material)._dss_crls)
    by_pyhanko = buffer.getvalue()
    assert _dss(direct) == _dss(by_pyhanko)
    assert _dss(direct) == ({material.certificate_der, material.ca_der}, {material.crl_der}, 3)
    path = tmp_path / "sheet.pdf"
    path.write_bytes(direct)
    assert "Signature is Valid." in run_tool("pdfsig", str(path))


def test_the_signer_takes_the_direct_path(job_and_material: tuple[SheetJob, SignerMaterial],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    job, material = job_and_material
    taken: list[bool] = []
    real = sign_module.append_dss

    def spy(data: bytes, certificates: list[bytes], crls: list[bytes]) -> bytes | None:
        result = real(data, certificates, crls)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(sign_module, "append_dss", spy)
    rendered = render(job.content, job.issue)
    assert rendered.stamp_box is not None
    SheetSigner(material).sign(rendered.pdf, attachments(job.content, job.issue), rendered.stamp_page,
                               rendered.stamp_box, datetime.fromisoformat(job.issue.exported_at))
    assert taken == [True]


def test_what_is_not_recognised_is_left_to_pyhanko(signed_without_dss: tuple[bytes, SignerMaterial]) -> None:
    pdf, material = signed_without_dss
    chain, crls = [material.certificate_der, material.ca_der], [material.crl_der]
    with_dss = append_dss(pdf, chain, crls)
    assert with_dss is not None
    assert append_dss(with_dss, chain, crls) is None  # a DSS already there: pyHanko merges
    assert append_dss(b"%PDF-1.7\nnot a signed sheet\n%%EOF\n", chain, crls) is None
    assert append_dss(pdf.replace(b"\nxref\n", b"\nXREF\n"), chain, crls) is None
    assert append_dss(pdf[:-20], chain, crls) is None
