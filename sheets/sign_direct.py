"""The signed revision of a sheet written directly, instead of through pyHanko's incremental writer.

pyHanko's writer reads the whole rendered file, looks the page up through the page tree, rewrites the metadata
and serialises every object anew: about 8 ms of a sheet's CPU. reportlab writes the rendered sheet here with one
classic cross-reference section, so the objects the signature revision changes (the catalog, the stamp's page
and the document information) are found from that section alone. The revision holds what pyHanko's would for
the same signature: the embedded files and their name tree, the signature field with its empty widget over the
stamp, the AcroForm, the DocMDP certification (``/Perms`` and the signature's ``/Reference``), the PDF 2.0
extensions, the XMP metadata and the signature dictionary, its values written by pyHanko's own PDF objects.
The CMS is still pyHanko's (``Signer.async_sign`` with PAdES attributes), computed over the byte range.
Anything not recognised (another writer's layout, an ``/Annots`` or ``/AcroForm`` already there, encryption)
returns None and the caller lets pyHanko sign.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import os
import re
import threading
import zlib
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_date, pdf_name
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers import Signer
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest, SignatureObject
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from sheets.dss_update import last_trailer, reference_in, xref_offsets

T = TypeVar("T")
_WIDGET_FLAGS = 132  # Print | Locked, as pyHanko sets them on a signature widget
_PDF_STRING = rb"\((?:[^()\\]|\\.)*\)"
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_REFERENCE = re.compile(rb"(\d+)\s+(\d+)\s+R")


def _object_body(data: bytes, offsets: dict[int, int], number: int) -> bytes | None:
    """The dictionary ``<< ... >>`` of object ``number`` (generation 0) as written; None if it is anything else."""
    at = offsets.get(number)
    header = f"{number} 0 obj".encode()
    if at is None or not data.startswith(header, at):
        return None
    end = data.find(b"endobj", at)
    body = data[at + len(header):end].strip() if end != -1 else b""
    if not (body.startswith(b"<<") and body.endswith(b">>")) or b"stream" in body:
        return None
    return body


def _with_entries(body: bytes, entries: bytes) -> bytes:
    return body[:-2].rstrip() + b"\n" + entries + b"\n>>"


def _write(out: io.BytesIO, value: generic.PdfObject) -> None:
    """``value`` as pyHanko writes it; names and text strings from a cache (pyHanko escapes a name byte by byte, a
    fifth of this revision's cost), dictionaries and arrays laid out as pyHanko lays them out, everything else by its own object."""
    if isinstance(value, generic.NameObject):
        out.write(_name(value))
    elif isinstance(value, generic.TextStringObject) and value.force_output_encoding is None:
        out.write(_text(str(value)))
    elif isinstance(value, dict):
        out.write(b"<<\n")
        for key, item in value.items():
            out.write(_name(key))
            out.write(b" ")
            _write(out, item)
            out.write(b"\n")
        out.write(b">>")
    elif isinstance(value, list):
        out.write(b"[")
        for item in value:
            out.write(b" ")
            _write(out, item)
        out.write(b" ]")
    else:
        value.write_to_stream(out, None)


@functools.lru_cache(maxsize=256)
def _name(name: generic.NameObject) -> bytes:
    out = io.BytesIO()
    name.write_to_stream(out, None)
    return out.getvalue()


@functools.lru_cache(maxsize=512)
def _text(text: str) -> bytes:
    """A text string as pyHanko writes it (PDFDocEncoding tried character by character, else UTF-16BE): the file
    names, descriptions, signer and reason recur from sheet to sheet."""
    out = io.BytesIO()
    generic.TextStringObject(text).write_to_stream(out, None)
    return out.getvalue()


def _serialised(value: generic.PdfObject) -> bytes:
    out = io.BytesIO()
    _write(out, value)
    return out.getvalue()


def _ref_to(number: int) -> generic.IndirectObject:
    return generic.IndirectObject(number, 0, None)  # written only: no reader behind it


def _page_number(data: bytes, offsets: dict[int, int], pages: int, page: int) -> int | None:
    """Object number of the ``page``-th (0-based) page, from a flat page tree as reportlab writes it."""
    body = _object_body(data, offsets, pages)
    kids = _KIDS.search(body) if body is not None else None
    if body is None or kids is None:
        return None
    refs = _REFERENCE.findall(kids.group(1))
    if not 0 <= page < len(refs) or refs[page][1] != b"0":
        return None
    number = int(refs[page][0])
    kid = _object_body(data, offsets, number)
    return number if kid is not None and b"/Type /Page\n" in kid + b"\n" and b"/Kids" not in kid else None


def _info_updated(body: bytes, modified: datetime) -> bytes | None:
    """The document information with pyHanko's ``/ModDate`` (now) and its name added to ``/Producer``."""
    producer = re.search(rb"/Producer\s*(" + _PDF_STRING + rb")", body)
    if producer is None or len(re.findall(rb"/ModDate\s*" + _PDF_STRING, body)) != 1:
        return None
    text = generic.TextStringObject(_pdf_literal(producer.group(1)) + f"; {VENDOR}")
    body = body[:producer.start(1)] + _serialised(text) + body[producer.end(1):]
    return re.sub(rb"/ModDate\s*" + _PDF_STRING, lambda _: b"/ModDate " + _serialised(pdf_date(modified)), body)


def _pdf_literal(written: bytes) -> str:
    """The text of a literal string as reportlab writes ``/Producer`` (plain ASCII with escapes)."""
    inner = written[1:-1]
    text = re.sub(rb"\\(.)", lambda m: m.group(1), inner)
    return text.decode("latin-1")


def _xmp(modified: datetime) -> bytes:
    stamp = modified.astimezone(UTC).isoformat(timespec="seconds")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="{VENDOR}">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" '
        f'xmp:ModifyDate="{stamp}" pdf:Producer="{VENDOR}" rdf:about=""/>\n'
        '</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="r"?>'
    ).encode()


_EXTENSIONS = generic.DictionaryObject({
    pdf_name("/ESIC"): generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/DeveloperExtensions"), pdf_name("/BaseVersion"): pdf_name("/1.7"),
        pdf_name("/ExtensionLevel"): generic.NumberObject(1)}),
    pdf_name("/ISO_"): generic.ArrayObject([generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/DeveloperExtensions"), pdf_name("/BaseVersion"): pdf_name("/2.0"),
        pdf_name("/ExtensionLevel"): generic.NumberObject(32002),
        pdf_name("/URL"): generic.TextStringObject("https://www.iso.org/standard/45875.html"),
        pdf_name("/ExtensionRevision"): generic.TextStringObject(":2022")})]),
})

_DOCMDP_REFERENCE = generic.ArrayObject([generic.DictionaryObject({
    pdf_name("/Type"): pdf_name("/SigRef"), pdf_name("/TransformMethod"): pdf_name("/DocMDP"),
    pdf_name("/TransformParams"): generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/TransformParams"), pdf_name("/V"): pdf_name("/1.2"),
        pdf_name("/P"): generic.NumberObject(1)})})])
_EXTENSIONS_WRITTEN = _serialised(_EXTENSIONS)


class _Revision:
    """Objects appended one after another, numbered from the rendered file's ``/Size``."""

    def __init__(self, data: bytes, first: int) -> None:
        self.out = io.BytesIO()
        self.out.write(data)
        if not data.endswith(b"\n"):
            self.out.write(b"\n")
        self.offsets: dict[int, int] = {}
        self.next = first

    def reserve(self) -> int:
        self.next += 1
        return self.next - 1

    def put(self, number: int, body: bytes | generic.PdfObject) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        if isinstance(body, bytes):
            self.out.write(body)
        else:
            _write(self.out, body)
        self.out.write(b"\nendobj\n")

    def put_stream(self, number: int, entries: generic.DictionaryObject, data: bytes) -> None:
        entries[pdf_name("/Length")] = generic.NumberObject(len(data))
        self.put(number, _serialised(entries) + b"\nstream\n" + data + b"\nendstream")

    def finish(self, trailer: bytes, previous: int) -> None:
        xref_at = self.out.tell()
        numbers = sorted(self.offsets)
        self.out.write(b"xref\n0 1\n0000000000 65535 f \n")
        run: list[int] = []
        for number in numbers:
            if run and number != run[-1] + 1:
                self._subsection(run)
                run = []
            run.append(number)
        self._subsection(run)
        self.out.write(b"trailer\n<<\n" + trailer + f"\n/Prev {previous}\n>>\nstartxref\n{xref_at}\n%%EOF\n".encode())

    def _subsection(self, run: list[int]) -> None:
        self.out.write(f"{run[0]} {len(run)}\n".encode())
        self.out.write(b"".join(f"{self.offsets[n]:010d} 00000 n \n".encode() for n in run))


def sign_directly(data: bytes, signer: Signer, files: list[Any], page: int, box: tuple[float, float, float, float],
                  signed_at: datetime, *, field_name: str, name: str, reason: str, location: str | None,
                  bytes_reserved: int) -> bytes | None:
    """``data`` (as reportlab rendered it) signed and certified, ``files`` embedded; None when not recognised.

    ``files`` are ``sheets.content.Attachment``s (name, data, description)."""
    last = last_trailer(data)
    if last is None:
        return None
    previous, trailer = last
    root, info, size = reference_in(trailer, b"Root"), reference_in(trailer, b"Info"), re.search(rb"/Size\s+(\d+)", trailer)
    identifier = re.search(rb"/ID\s*\[\s*(<[0-9a-fA-F]*>)", trailer)
    if root is None or info is None or size is None or identifier is None or b"/Encrypt" in trailer \
            or b"/Prev" in trailer or root[1] != 0 or info[1] != 0:
        return None
    offsets = xref_offsets(data, previous)
    if offsets is None:
        return None
    catalog = _object_body(data, offsets, root[0])
    info_body = _object_body(data, offsets, info[0])
    pages = reference_in(catalog, b"Pages") if catalog is not None else None
    if catalog is None or info_body is None or pages is None or pages[1] != 0 or any(
            key in catalog for key in (b"/Names", b"/AcroForm", b"/Perms", b"/Metadata", b"/Extensions",
                                       b"/Version")):
        return None
    page_number = _page_number(data, offsets, pages[0], page)
    page_body = _object_body(data, offsets, page_number) if page_number is not None else None
    modified = datetime.now(UTC)
    info_new = _info_updated(info_body, modified)
    if page_number is None or page_body is None or b"/Annots" in page_body or info_new is None:
        return None

    revision = _Revision(data, int(size.group(1)))
    names, embedded, name_array = revision.reserve(), revision.reserve(), revision.reserve()
    entries: list[generic.PdfObject] = []
    when = pdf_date(signed_at)
    for item in files:
        stream, spec = revision.reserve(), revision.reserve()
        revision.put_stream(stream, generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/EmbeddedFile"), pdf_name("/Subtype"): pdf_name("/application/json"),
            pdf_name("/Filter"): pdf_name("/FlateDecode"),
            pdf_name("/Params"): generic.DictionaryObject({pdf_name("/Size"): generic.NumberObject(len(item.data)),
                                                           pdf_name("/CreationDate"): when})}),
            zlib.compress(item.data))
        revision.put(spec, generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Filespec"), pdf_name("/F"): generic.TextStringObject(item.name),
            pdf_name("/UF"): generic.TextStringObject(item.name),
            pdf_name("/EF"): generic.DictionaryObject({pdf_name("/F"): _ref_to(stream),
                                                       pdf_name("/UF"): _ref_to(stream)}),
            pdf_name("/Desc"): generic.TextStringObject(item.description)}))
        entries += [generic.TextStringObject(item.name), _ref_to(spec)]
    revision.put(names, generic.DictionaryObject({pdf_name("/EmbeddedFiles"): _ref_to(embedded)}))
    revision.put(embedded, generic.DictionaryObject({pdf_name("/Names"): _ref_to(name_array)}))
    revision.put(name_array, generic.ArrayObject(entries))

    acroform, widget, appearance, signature, metadata = (revision.reserve() for _ in range(5))
    revision.put(acroform, generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject([_ref_to(widget)]),
                                                     pdf_name("/SigFlags"): generic.NumberObject(3)}))
    x1, y1, x2, y2 = (round(v, 2) for v in box)
    revision.put(widget, generic.DictionaryObject({
        pdf_name("/FT"): pdf_name("/Sig"), pdf_name("/T"): generic.TextStringObject(field_name),
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/F"): generic.NumberObject(_WIDGET_FLAGS),
        pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (x1, y1, x2, y2)]),
        pdf_name("/P"): _ref_to(page_number), pdf_name("/AP"): generic.DictionaryObject({
            pdf_name("/N"): _ref_to(appearance)}),
        pdf_name("/V"): _ref_to(signature)}))
    revision.put_stream(appearance, generic.DictionaryObject({
        pdf_name("/BBox"): generic.ArrayObject([generic.FloatObject(v) for v in (0, round(y2 - y1, 2), round(x2 - x1, 2), 0)]),
        pdf_name("/Resources"): generic.DictionaryObject(), pdf_name("/Type"): pdf_name("/XObject"),
        pdf_name("/Subtype"): pdf_name("/Form")}), b"q Q")
    sig = SignatureObject(timestamp=signed_at, subfilter=SigSeedSubFilter.PADES, name=name, location=location,
                          reason=reason, bytes_reserved=bytes_reserved)
    sig[pdf_name("/Reference")] = _DOCMDP_REFERENCE
    revision.put(signature, sig)
    revision.put_stream(metadata, generic.DictionaryObject({pdf_name("/Type"): pdf_name("/Metadata"),
                                                            pdf_name("/Subtype"): pdf_name("/XML")}),
                        _xmp(modified))

    revision.put(page_number, _with_entries(page_body, b"/Annots [ " + _serialised(_ref_to(widget)) + b" ]"))
    revision.put(root[0], _with_entries(catalog, b"/Version /2.0\n/Names " + _serialised(_ref_to(names))
                                        + b"\n/AcroForm " + _serialised(_ref_to(acroform))
                                        + b"\n/Extensions " + _EXTENSIONS_WRITTEN
                                        + b"\n/Perms << /DocMDP " + _serialised(_ref_to(signature))
                                        + b" >>\n/Metadata " + _serialised(_ref_to(metadata))))
    revision.put(info[0], info_new)
    second_id = _serialised(generic.ByteStringObject(os.urandom(16)))
    revision.finish(b"/ID [ " + identifier.group(1) + b" " + second_id + b" ]\n"
                    + f"/Info {info[0]} 0 R\n/Root {root[0]} 0 R\n/Size {revision.next}".encode(), previous)
    return _filled(revision.out, sig, signer, signed_at)


_loops = threading.local()


def run_here(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` on an event loop kept for this thread of this process: setting up and tearing
    down a loop for every sheet (its socket pair, its signal handling) cost a fifth of signing one. pyHanko's
    signer awaits nothing here, so no task outlives the call."""
    loop: asyncio.AbstractEventLoop | None = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed() or getattr(_loops, "pid", None) != os.getpid():  # a forked worker: its own
        loop = _loops.loop = asyncio.new_event_loop()
        _loops.pid = os.getpid()
    return loop.run_until_complete(coroutine)


def _filled(out: io.BytesIO, sig: SignatureObject, signer: Signer, signed_at: datetime) -> bytes:
    eof = out.tell()
    start, end = sig.contents.offsets
    sig.byte_range.fill_offsets(out, start, end, eof)
    buffer = out.getbuffer()
    digest = hashlib.sha256(buffer[:start])
    digest.update(buffer[end:eof])
    buffer.release()
    contents = run_here(signer.async_sign(digest.digest(), "sha256", use_pades=True,
                                             signed_attr_settings=PdfCMSSignedAttributes(signing_time=signed_at)))
    PreparedByteRangeDigest(digest.digest(), start, end).fill_with_cms(out, contents)
    return out.getvalue()
