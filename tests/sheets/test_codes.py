"""Verification codes: derived from the signed content, typeable back, every typo of one symbol and
every swap of neighbours caught; old 16-symbol codes still read."""

import random

import pytest

from sheets.codes import (
    ALPHABET, DATA_SYMBOLS, BadCode, check_symbol, legacy_verification_code, normalise_code, read_code,
    verification_code,
)

RECORD = {"application_id": "LC2023-0002", "decisions": [{"uuid": "u1", "signature": "MEUC"}], "serial": "2026-000001"}
LENGTH = DATA_SYMBOLS + 1


def test_code_is_five_groups_of_four_unambiguous_symbols() -> None:
    code = verification_code(RECORD)
    groups = code.split("-")
    assert [len(group) for group in groups] == [4, 4, 4, 4, 4]
    assert set("".join(groups)) <= set(ALPHABET)
    assert not set("ILOU") & set(code)


def test_code_changes_with_any_signed_content() -> None:
    other = {**RECORD, "decisions": [{"uuid": "u1", "signature": "MEUD"}]}
    assert verification_code(RECORD) == verification_code(dict(RECORD))
    assert verification_code(RECORD) != verification_code(other)


def test_code_typed_sloppily_reads_back() -> None:
    code = verification_code(RECORD)
    sloppy = " " + code.lower().replace("-", " ").replace("0", "o").replace("1", "l") + " "
    assert normalise_code(sloppy) == code
    assert normalise_code(code.replace("-", "")) == code


def test_full_width_input_from_a_chinese_input_method_reads_back() -> None:
    code = verification_code(RECORD)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in code.lower())
    assert normalise_code("\u3000" + full_width + "\u3000") == code


def test_the_qr_text_as_a_scanner_types_it_reads_back() -> None:
    code = verification_code(RECORD)
    typed = read_code(f"REVIEWDESK-SHEET:LC2023-0002:2026-000001:{code}\r\n")
    assert (typed.code, typed.application_id, typed.serial) == (code, "LC2023-0002", "2026-000001")
    assert read_code(f"ｒｅｖｉｅｗｄｅｓｋ－ｓｈｅｅｔ：LC2023-0002：2026-000001：{code}").code == code
    with pytest.raises(BadCode, match="不完整"):
        read_code("REVIEWDESK-SHEET:" + code)


def _valid(symbols: list[str]) -> str:
    data = "".join(symbols[:DATA_SYMBOLS])
    return data + check_symbol(data)


def test_every_single_symbol_error_is_caught() -> None:
    """Each position, each symbol there, each of the 31 others in its place: 20 × 32 × 31 cases.

    The check is linear, so whether an error is caught depends only on its position and the two symbols,
    not on the rest of the code; at the check position the symbol is the one the data gives."""
    rng = random.Random(14)
    caught = 0
    for position in range(LENGTH):
        for original in ALPHABET:
            symbols = [rng.choice(ALPHABET) for _ in range(LENGTH)]
            symbols[position] = original
            code = _valid(symbols)
            for wrong in ALPHABET:
                if wrong == code[position]:
                    continue
                with pytest.raises(BadCode, match="校验位不符"):
                    normalise_code(code[:position] + wrong + code[position + 1:])
                caught += 1
    assert caught == LENGTH * 32 * 31


def test_every_swap_of_two_different_neighbours_is_caught() -> None:
    """Each pair of neighbouring positions (the check symbol included), each ordered pair of different symbols."""
    rng = random.Random(15)
    caught = 0
    for position in range(LENGTH - 1):
        for first in ALPHABET:
            for second in ALPHABET:
                if first == second:
                    continue
                symbols = [rng.choice(ALPHABET) for _ in range(LENGTH)]
                symbols[position], symbols[position + 1] = first, second
                code = _valid(symbols)
                if code[position] == code[position + 1]:
                    continue  # the check symbol came out equal to its neighbour: no swap to make
                swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
                with pytest.raises(BadCode, match="校验位不符"):
                    normalise_code(swapped)
                caught += 1
    assert caught >= (LENGTH - 2) * 32 * 31


def test_old_sixteen_symbol_codes_keep_reading() -> None:
    old = legacy_verification_code(RECORD)
    assert [len(group) for group in old.split("-")] == [4, 4, 4, 4]
    typed = read_code(old.lower().replace("-", ""))
    assert typed.code == old and typed.legacy
    wrong = ALPHABET[(ALPHABET.index(old[5]) + 1) % 32]
    with pytest.raises(BadCode, match="校验位不符"):
        normalise_code(old[:5] + wrong + old[6:])


@pytest.mark.parametrize("typed", ["", "7K3M-9QXP", "7K3M-9QXP-2HD4-WA1C-XXXX-Y", "7K3M-9QXP-2HD4-WA!C-R8TE",
                                   "7K3M-9QXP-2HD4-WA1C-R8T"])
def test_malformed_codes_are_refused(typed: str) -> None:
    with pytest.raises(BadCode, match="格式不对"):
        normalise_code(typed)
