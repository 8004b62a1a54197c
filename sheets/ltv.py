"""What a sheet carries for the long term: its DSS (validation data, PAdES B-LT) and document timestamps (B-LTA).

Read for ``sheets.verify``: the CRLs the DSS holds that the CA signed, and the earliest document timestamp of the
workspace's TSA that is intact, valid and trusted — the time from which the signature can be judged later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from models.signing.revocation import crl_signed_by


@dataclass(slots=True)
class LongTerm:
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)
    has_dss: bool = False
    timestamps: int = 0  # document timestamps in the file
    stamped_at: datetime | None = None  # the earliest one that holds
    broken_timestamps: int = 0  # present but not intact, not valid or not from this CA


def read_long_term(reader: PdfFileReader, ca: x509.Certificate, ca_asn1: asn1_x509.Certificate,
                   moment: datetime | None) -> LongTerm:
    found = LongTerm()
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        found.has_dss = True
        for crl in dss.crls:
            parsed = x509.load_der_x509_crl(crl.get_object().data)
            if crl_signed_by(parsed, ca):
                found.crls.append(parsed)
    except Exception:  # noqa: BLE001 - no DSS, or a damaged one: nothing to rely on from it
        pass
    for stamp in reader.embedded_timestamp_signatures:
        found.timestamps += 1
        when = _timestamp_time(stamp, ca_asn1, moment)
        if when is None:
            found.broken_timestamps += 1
        elif found.stamped_at is None or when < found.stamped_at:
            found.stamped_at = when
    return found


def _timestamp_time(stamp: Any, ca: asn1_x509.Certificate, moment: datetime | None) -> datetime | None:
    context = ValidationContext(trust_roots=[ca], allow_fetching=False, revocation_mode="soft-fail", moment=moment)
    try:
        status = validate_pdf_timestamp(stamp, context)
    except Exception:  # noqa: BLE001 - a mangled token is simply not a timestamp to rely on
        return None
    if not (status.intact and status.valid and status.trusted):
        return None
    return status.timestamp
