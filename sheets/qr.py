"""The QR code's module matrix: reportlab's encoder, with what depends only on the version worked out once.

reportlab's ``QRCode`` builds the Reed-Solomon generator polynomial, divides by it recursively and lists the
data positions afresh for every code; that was a tenth of a sheet's rendering. Here the generator's
coefficients (as logarithms) and the data positions are kept per version, and the error-correction bytes come
from the usual shift-register division. The matrix is the one reportlab's encoder makes (a test compares them).
"""

from __future__ import annotations

from functools import cache
from itertools import chain, zip_longest
from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qrencoder import EXP_TABLE, LOG_TABLE, QRRSBlock, QRUtil

PAD_BYTES = (0xEC, 0x11)


@cache
def _generator_logs(ec_count: int) -> tuple[int, ...]:
    """log₂ of the generator polynomial's coefficients after the leading 1, for ``ec_count`` error bytes."""
    generator = [1]
    for i in range(ec_count):
        root = EXP_TABLE[i]
        product = generator + [0]
        for j, coefficient in enumerate(generator):
            if coefficient:
                product[j + 1] ^= EXP_TABLE[(LOG_TABLE[coefficient] + LOG_TABLE[root]) % 255]
        generator = product
    return tuple(LOG_TABLE[c] for c in generator[1:])


def error_correction(data: list[int], ec_count: int) -> list[int]:
    """The ``ec_count`` Reed-Solomon bytes of ``data`` (the remainder of data·x^ec_count by the generator)."""
    generator = _generator_logs(ec_count)
    remainder = list(data) + [0] * ec_count
    for i in range(len(data)):
        coefficient = remainder[i]
        if coefficient:
            base = LOG_TABLE[coefficient]
            for j, log in enumerate(generator, start=i + 1):
                remainder[j] ^= EXP_TABLE[(base + log) % 255]
    return remainder[len(data):]


class _Bits:
    """reportlab's ``QRBitBuffer`` (what the segments write into), the bits kept in one integer."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def putBit(self, bit: bool) -> None:  # noqa: N802 - reportlab's name
        self.put(1 if bit else 0, 1)

    def getLengthInBits(self) -> int:  # noqa: N802 - reportlab's name
        return self.length

    def whole_bytes(self) -> list[int]:
        """The bits padded with zeros to whole bytes."""
        spare = -self.length % 8
        return list((self.value << spare).to_bytes((self.length + spare) // 8, "big"))


def codewords(version: int, level: int, segments: list[Any]) -> list[int]:
    """The data and error-correction bytes, interleaved by block (reportlab's ``QRCode.createData``)."""
    blocks = QRRSBlock.getRSBlocks(version, level)
    bits = _Bits()
    for segment in segments:
        segment.write(bits, version)
    capacity = 8 * sum(block.dataCount for block in blocks)
    if bits.length > capacity:
        raise ValueError(f"code length overflow. ({bits.length} > {capacity})")
    if bits.length + 4 <= capacity:
        bits.put(0, 4)
    data = bits.whole_bytes()
    written = len(data)
    while len(data) * 8 < capacity:
        data.append(PAD_BYTES[(len(data) - written) % 2])
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        data_blocks.append(data[offset:offset + block.dataCount])
        ec_blocks.append(error_correction(data_blocks[-1], block.totalCount - block.dataCount))
        offset += block.dataCount
    return [byte for column in chain(zip_longest(*data_blocks), zip_longest(*ec_blocks))
            for byte in column if byte is not None]


@cache
def _data_positions(version: int, mask: int) -> tuple[tuple[tuple[int, int], ...], tuple[bool, ...]]:
    """The (column, row) of each data module in the order reportlab fills them, and whether the mask flips it."""
    code = qrencoder.QRCode(version, qrencoder.QRErrorCorrectLevel.M)
    code.moduleCount = version * 4 + 17
    positions = tuple(code._dataPosIterator())
    flip = QRUtil.getMask(mask)
    return positions, tuple(bool(flip(row, col)) for col, row in positions)


@cache
def _function_patterns(version: int, level: int, test: bool, mask: int) -> tuple[tuple[bool, ...], ...]:
    """The modules reportlab's ``makeImpl`` sets before the data (finder, alignment and timing patterns, format and
    version information): the same for every code of this version, level and mask."""
    code = qrencoder.QRCode(version, level)
    code.moduleCount = version * 4 + 17
    code.modules = [[False] * code.moduleCount for _ in range(code.moduleCount)]
    code.setupPositionProbePattern(0, 0)
    code.setupPositionProbePattern(code.moduleCount - 7, 0)
    code.setupPositionProbePattern(0, code.moduleCount - 7)
    code.setupPositionAdjustPattern()
    code.setupTimingPattern()
    code.setupTypeInfo(test, mask)
    if version >= 7:
        code.setupTypeNumber(test)
    return tuple(tuple(row) for row in code.modules)


class KeptQRCode(qrencoder.QRCode):
    """reportlab's ``QRCode``, its code words, data positions and function patterns from the caches above."""

    dataCache: list[int] | None  # reportlab's attribute, typed here

    def makeImpl(self, test: bool, maskPattern: int) -> None:  # noqa: N802 - reportlab's names
        if self.dataCache is None:
            self.dataCache = codewords(self.version, self.errorCorrectLevel, self.dataList)
        self.moduleCount = self.version * 4 + 17
        self.modules = [list(row) for row in _function_patterns(self.version, self.errorCorrectLevel, test, maskPattern)]
        self.mapData(self.dataCache, maskPattern)

    def mapData(self, data: list[int], maskPattern: int) -> None:  # noqa: N802 - reportlab's names
        positions, flips = _data_positions(self.version, maskPattern)
        bits = [bool(byte >> shift & 1) for byte in data for shift in range(7, -1, -1)]
        bits += [False] * (len(positions) - len(bits))  # remainder bits
        modules = self.modules
        for (col, row), flip, dark in zip(positions, flips, bits):
            modules[row][col] = dark ^ flip


def qr_modules(value: str, level: int = qrencoder.QRErrorCorrectLevel.M, mask: int = 0) -> list[list[bool]]:
    """The dark (True) and light modules of the QR code of ``value``, row by row, with one fixed mask pattern."""
    code = KeptQRCode(None, level)
    code.addData(value)
    code.version = code.calculate_version()
    code.makeImpl(False, mask)
    return [[bool(cell) for cell in row] for row in code.modules]
