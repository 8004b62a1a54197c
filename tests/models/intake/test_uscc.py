"""统一社会信用代码: GB 32100-2015 check character, GB 11714 warning, Excel's numbers."""

from __future__ import annotations

import random

import pytest

from models.intake.uscc import (
    EXCEL_NUMBER_MESSAGE,
    USCC_ALPHABET,
    check_uscc,
    org_code_check_char,
    uscc_check_char,
    uscc_failures,
)

# Published codes (company registration notices): check characters as issued.
KNOWN_VALID = ["91350100M000100Y43", "91371502MA3C1A2B9Y", "91371581MA3G7H8J8X"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code: str):
    assert check_uscc(code) == (code, None, None)


def test_check_character_is_computed_as_the_standard_says():
    # weights 1,3,9,...; 31 - sum % 31, with 31 meaning "0"
    first17 = "91350100M000100Y4"
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, (1, 3, 9, 27, 19, 26, 16, 17, 20, 29,
                                                                   25, 13, 8, 24, 10, 30, 28)))
    assert uscc_check_char(first17) == USCC_ALPHABET[(31 - total % 31) % 31] == "3"


def test_org_code_check_character():
    assert org_code_check_char("D2143569") == "X"  # GB 11714's own example: D2143569-X
    assert org_code_check_char("MA3C1A2B") == "9"


def test_lower_case_and_spaces_are_normalised(intake):
    code = intake.uscc(7)
    assert check_uscc(f"  {code.lower()}\u3000") == (code, None, None)


def test_full_width_characters_are_folded(intake):
    code = intake.uscc(8)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert check_uscc(full_width)[0:2] == (code, None)


def test_wrong_check_character_is_an_error_naming_the_right_one(intake):
    code = intake.uscc(3)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    normalised, error, warning = check_uscc(wrong)
    assert error == f"校验位错误：{wrong} 的第18位应为“{code[17]}”"
    assert warning is None


@pytest.mark.parametrize("code, fragment", [
    ("91371502MA3C1A2B9", "应为18位，实为17位"),
    ("91371502MA3C1A2B9YY", "应为18位，实为19位"),
    ("91371502MI3C1A2B9Y", "含无效字符 “I”"),
    ("91371502MA3C1O2B9Y", "含无效字符 “O”"),
])
def test_malformed_codes(code: str, fragment: str):
    assert fragment in check_uscc(code)[1]


@pytest.mark.parametrize("text", ["9.13715E+17", "9.13715e17", "9.13715E17", "913715000000000000",
                                  "913715020000000000000"])
def test_codes_excel_turned_into_numbers_get_their_own_message(text: str):
    error = check_uscc(text)[1]
    assert error == EXCEL_NUMBER_MESSAGE
    assert "科学计数法" in error and "文本" in error


def test_failing_embedded_org_code_is_only_a_warning():
    first17 = "91371502" + "MA3C1A2B" + "0"  # the org code's own check character should be 9
    code = first17 + uscc_check_char(first17)
    normalised, error, warning = check_uscc(code)
    assert (normalised, error) == (code, None)
    assert warning == f"统一社会信用代码 {code} 内含的组织机构代码 MA3C1A2B0 校验位应为“9”，请核实"


def test_bulk_check_agrees_with_check_uscc(intake):
    rng = random.Random(5)
    cells: list[object] = []
    for serial in range(400):
        code = intake.uscc(serial)
        variant = rng.randrange(9)
        if variant == 1:
            code = code[:17] + rng.choice(USCC_ALPHABET)
        elif variant == 2:
            code = code.lower()
        elif variant == 3:
            code = " " + code
        elif variant == 4:
            code = code[:5] + "Ｉ" + code[6:]
        elif variant == 5:
            code = code[:10]
        elif variant == 6:
            first17 = code[:16] + rng.choice("0123456789X") + "0"
            code = first17[:17] + uscc_check_char(first17[:17])
        cells.append(code)
    cells += ["", None, 9.13715e17]
    flagged = set(uscc_failures(cells))
    for index, cell in enumerate(cells):
        clean = isinstance(cell, str) and check_uscc(cell) == (cell, None, None)
        assert (index not in flagged) == clean, cell
