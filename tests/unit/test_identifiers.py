"""Identifiers a clerk types: ID numbers, credit codes, institution codes, and their masks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service import identifiers as ids
from service.identifiers import InvalidIdentifier

TODAY = date(2026, 12, 2)


def test_the_published_examples_are_valid():
    assert ids.citizen_id("11010519491231002X", today=TODAY) == "11010519491231002X"
    assert ids.citizen_id(" 11010519491231002x ", today=TODAY) == "11010519491231002X"
    assert ids.credit_code("91110000600037341L") == "91110000600037341L"
    assert ids.institution_code("h51068200012") == "H51068200012"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("1101051949123100", "18 characters"),
        ("11010519491231002Y", "17 digits"),
        ("１１010519491231002X", "17 digits"),  # full-width digits are not digits here
        ("110105194902300021", "does not exist"),  # 30 February
        ("110105209901010021", "not possible"),  # born in the future
        ("110105194912310021", "check character"),
    ],
)
def test_a_wrong_id_number_is_refused_saying_what_is_wrong(value, says):
    with pytest.raises(InvalidIdentifier, match=says):
        ids.citizen_id(value, today=TODAY)


def test_an_unknown_area_code_is_not_refused():
    first17 = "99999919800101001"
    number = first17 + ids.id_check_char(first17)
    assert ids.citizen_id(number, today=TODAY) == number
    assert ids.birth_date(number) == date(1980, 1, 1)
    assert ids.sex(number) == "male"


@given(
    area=st.integers(110000, 659999),
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(0, 999),
)
def test_every_number_with_its_check_character_is_valid_and_one_changed_digit_is_not(
    area, born, sequence
):
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    number = first17 + ids.id_check_char(first17)
    assert ids.citizen_id(number, today=TODAY) == number
    assert ids.birth_date(number) == born
    changed = first17[:-1] + str((int(first17[-1]) + 1) % 10)
    with pytest.raises(InvalidIdentifier):
        ids.citizen_id(changed + number[-1], today=TODAY)


@given(st.text(alphabet=ids.USCC_ALPHABET, min_size=17, max_size=17))
def test_every_credit_code_with_its_check_character_is_valid(first17):
    code = first17 + ids.uscc_check_char(first17)
    assert ids.credit_code(code) == code
    wrong = next(c for c in ids.USCC_ALPHABET if c != code[-1])
    with pytest.raises(InvalidIdentifier):
        ids.credit_code(first17 + wrong)


@pytest.mark.parametrize("value", ["91110000600037341", "9111000060003734IL", "91110000600037341A"])
def test_a_wrong_credit_code_is_refused(value):
    with pytest.raises(InvalidIdentifier):
        ids.credit_code(value)


@pytest.mark.parametrize("value", ["X51068200012", "H5106820001", "H5106820001A", "P５1068200012"])
def test_a_wrong_institution_code_is_refused(value):
    with pytest.raises(InvalidIdentifier):
        ids.institution_code(value)


def test_the_division_places_the_institution():
    assert ids.institution_division("H51068200012") == "510682"


def test_a_masked_number_keeps_four_characters_at_each_end():
    assert ids.mask_id("51010619900101123X") == "5101**********123X"
    assert ids.mask_id("1234") == "****"
