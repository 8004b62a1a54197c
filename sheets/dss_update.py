"""The DSS (PAdES B-LT) appended to a sheet just signed here, written directly instead of through pyHanko's writer.

pyHanko's incremental writer parses the whole signed file again and rewrites its metadata for every sheet; that
was a fifth of the signing time. The revision appended here holds what pyHanko's ``supply_dss_in_writer`` adds
for a fresh DSS — one stream per certificate and CRL, the DSS dictionary ``<< /Certs [...] /CRLs [...] >>`` and
the catalog with ``/DSS`` added — with a classic cross-reference section and a trailer pointing back at the
signed revision. It reads only that revision's trailer, cross-reference section and catalog, which pyHanko
wrote a moment ago. Anything else (a cross-reference stream, a catalog outside that revision, a layout not
recognised) returns None and the caller lets pyHanko do it.
"""

from __future__ import annotations

import re

STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref", re.S)
_SUBSECTION = re.compile(rb"(\d+) (\d+)\s*\n")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])\s{1,2}")


def last_trailer(data: bytes) -> tuple[int, bytes] | None:
    """(the last revision's xref offset, its trailer dictionary's body), or None when the file does not end
    the way reportlab and these updates write it."""
    tail = STARTXREF.search(data, max(0, len(data) - 64))
    trailer_match = TRAILER.search(data, max(0, len(data) - 4096))
    if tail is None or trailer_match is None:
        return None
    return int(tail.group(1)), trailer_match.group(1)


def reference_in(trailer: bytes, key: bytes) -> tuple[int, int] | None:
    found = re.search(rb"/" + key + rb"\s+(\d+)\s+(\d+)\s+R", trailer)
    return (int(found.group(1)), int(found.group(2))) if found else None


def xref_offsets(data: bytes, at: int) -> dict[int, int] | None:
    """Object number → offset of the in-use entries of the classic cross-reference section at ``at``."""
    if not data.startswith(b"xref", at):
        return None
    pos = at + 4
    while data[pos:pos + 1] in (b"\r", b"\n", b" "):
        pos += 1
    offsets: dict[int, int] = {}
    while not data.startswith(b"trailer", pos):
        head = _SUBSECTION.match(data, pos)
        if head is None:
            return None
        first, count = int(head.group(1)), int(head.group(2))
        pos = head.end()
        for number in range(first, first + count):
            entry = _ENTRY.match(data, pos)
            if entry is None:
                return None
            if entry.group(3) == b"n":
                offsets[number] = int(entry.group(1))
            pos = entry.end()
    return offsets


def _catalog_with_dss(data: bytes, at: int, number: int, generation: int, dss: int) -> bytes | None:
    """The catalog object at ``at`` as written, with ``/DSS dss 0 R`` added to its dictionary."""
    header = f"{number} {generation} obj".encode()
    if not data.startswith(header, at):
        return None
    end = data.find(b"endobj", at)
    body = data[at + len(header):end].strip() if end != -1 else b""
    if not (body.startswith(b"<<") and body.endswith(b">>")) or b"/DSS" in body or b"stream" in body:
        return None
    return header + b"\n" + body[:-2].rstrip() + f"\n/DSS {dss} 0 R\n>>\nendobj\n".encode()


def append_dss(data: bytes, certificates: list[bytes], crls: list[bytes]) -> bytes | None:
    """``data`` with a DSS revision holding ``certificates`` and ``crls`` (DER); None when not recognised."""
    last = last_trailer(data)
    if last is None:
        return None
    previous, trailer = last
    root, size = reference_in(trailer, b"Root"), re.search(rb"/Size\s+(\d+)", trailer)
    identifier = re.search(rb"/ID\s*(\[[^\]]*\])", trailer)
    info = reference_in(trailer, b"Info")
    if root is None or size is None or identifier is None or b"/Encrypt" in trailer:
        return None
    offsets = xref_offsets(data, previous)
    if offsets is None or root[0] not in offsets:
        return None
    first = int(size.group(1))
    streams = [*certificates, *crls]
    dss_number = first + len(streams)
    catalog = _catalog_with_dss(data, offsets[root[0]], root[0], root[1], dss_number)
    if catalog is None:
        return None

    out = bytearray(data)
    if not out.endswith(b"\n"):
        out += b"\n"
    written: dict[int, int] = {}
    for number, der in enumerate(streams, start=first):
        written[number] = len(out)
        out += f"{number} 0 obj\n<<\n/Length {len(der)}\n>>\nstream\n".encode() + der + b"\nendstream\nendobj\n"
    certs = " ".join(f"{n} 0 R" for n in range(first, first + len(certificates)))
    crl_refs = " ".join(f"{n} 0 R" for n in range(first + len(certificates), dss_number))
    written[dss_number] = len(out)
    out += f"{dss_number} 0 obj\n<<\n/Certs [ {certs} ]\n/CRLs [ {crl_refs} ]\n>>\nendobj\n".encode()
    catalog_at = len(out)
    out += catalog

    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    out += f"{root[0]} 1\n{catalog_at:010d} {root[1]:05d} n \n".encode()
    out += f"{first} {len(written)}\n".encode()
    out += b"".join(f"{written[n]:010d} 00000 n \n".encode() for n in sorted(written))
    info_entry = f"/Info {info[0]} {info[1]} R\n" if info else ""
    out += (f"trailer\n<<\n/ID {identifier.group(1).decode('latin-1')}\n{info_entry}/Root {root[0]} {root[1]} R\n"
            f"/Size {dss_number + 1}\n/Prev {previous}\n>>\nstartxref\n{xref_at}\n%%EOF\n").encode("latin-1")
    return bytes(out)
