"""The kept-tables QR encoder makes exactly the matrix reportlab's own encoder makes."""

from __future__ import annotations

import random
import string

import pytest
from reportlab.graphics.barcode import qrencoder

from sheets.layout import qr_payload
from sheets.qr import error_correction, qr_modules


def _reportlab_matrix(value: str, mask: int = 0) -> list[list[bool]]:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.version = code.calculate_version()
    code.makeImpl(False, mask)
    return [[bool(cell) for cell in row] for row in code.modules]


def _payloads() -> list[str]:
    chance = random.Random(14)
    sheets = [qr_payload(f"LC2026-{n:05d}", f"LC-2026-{n:06d}", "7K3M-9QXP-2HD4-WA1C-XY") for n in range(0, 900, 37)]
    text = ["".join(chance.choice(string.printable[:94]) for _ in range(chance.randint(1, 400))) for _ in range(60)]
    return [*sheets, *text, "0123456789012", "HELLO WORLD 2026", "申报编号甲乙丙" * 9, "x"]


@pytest.mark.parametrize("value", _payloads())
def test_every_module_is_as_reportlab_draws_it(value: str) -> None:
    assert qr_modules(value) == _reportlab_matrix(value)


@pytest.mark.parametrize("mask", range(8))
def test_every_mask_pattern_too(mask: int) -> None:
    value = qr_payload("LC2023-0002", "2026-000001", "7K3M-9QXP-2HD4-WA1C")
    assert qr_modules(value, mask=mask) == _reportlab_matrix(value, mask)


def test_error_correction_of_the_standards_example() -> None:
    # ISO/IEC 18004 Annex I: "01234567" as version 1-M; its 10 error-correction code words
    data = [16, 32, 12, 86, 97, 128, 236, 17, 236, 17, 236, 17, 236, 17, 236, 17]
    assert error_correction(data, 10) == [165, 36, 212, 193, 237, 54, 199, 135, 44, 85]


def test_a_value_too_long_for_any_version_is_refused() -> None:
    with pytest.raises(ValueError):
        qr_modules("A" * 5000)
