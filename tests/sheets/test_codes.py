"""Verification codes: derived from the signed content, typeable back, typos caught."""

import pytest

from sheets.codes import ALPHABET, BadCode, normalise_code, verification_code

RECORD = {"application_id": "LC2023-0002", "decisions": [{"uuid": "u1", "signature": "MEUC"}], "serial": "2026-000001"}


def test_code_is_four_groups_of_four_unambiguous_symbols() -> None:
    code = verification_code(RECORD)
    groups = code.split("-")
    assert [len(group) for group in groups] == [4, 4, 4, 4]
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


def test_a_mistyped_symbol_fails_the_check() -> None:
    code = verification_code(RECORD)
    position = 5
    wrong = ALPHABET[(ALPHABET.index(code[position]) + 1) % 32]
    with pytest.raises(BadCode, match="校验位不符"):
        normalise_code(code[:position] + wrong + code[position + 1:])


@pytest.mark.parametrize("typed", ["", "7K3M-9QXP", "7K3M-9QXP-2HD4-WA1C-XXXX", "7K3M-9QXP-2HD4-WA!C"])
def test_malformed_codes_are_refused(typed: str) -> None:
    with pytest.raises(BadCode, match="格式不对"):
        normalise_code(typed)
