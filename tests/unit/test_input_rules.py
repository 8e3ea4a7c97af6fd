"""The small rules that keep bad input a clear refusal: row ids in URLs, numbers in query
strings, search text in LIKE patterns, text patterns in the OpenAPI document, deep JSON."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service import RowIdConverter, _up_to
from service.bodies import JSONProvider, NestedTooDeeply
from service.db import MAX_ROW_ID, contains_pattern
from service.validation import (
    NON_BLANK_TEXT_PATTERN,
    TEXT_PATTERN,
    has_control_characters,
    whole_number,
)

ROW_ID = re.compile(RowIdConverter.regex + r"\Z")


@given(st.integers(min_value=-10, max_value=10 * MAX_ROW_ID))
def test_the_row_id_regex_matches_exactly_the_ids_the_database_holds(n):
    assert bool(ROW_ID.match(str(n))) == (1 <= n <= MAX_ROW_ID)


@pytest.mark.parametrize("limit", [1, 9, 10, 99, 100, 305, 2000, 4096])
def test_the_range_regex_is_exact_for_any_limit(limit):
    pattern = re.compile(_up_to(limit) + r"\Z")
    assert [n for n in range(0, 5000) if pattern.match(str(n))] == list(range(1, limit + 1))


@pytest.mark.parametrize("text", ["１", "0", "01", "+1", "1_0", " 1", "٣", "2147483648", ""])
def test_a_row_id_is_plain_ascii_digits_without_a_leading_zero(text):
    assert not ROW_ID.match(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("20", 20),
        ("007", 7),
        ("100", 100),
        ("101", None),
        ("0", None),
        ("-1", None),
        ("+2", None),
        ("2_0", None),
        (" 2", None),
        ("２", None),
        ("100000000000000000000", None),
        ("", None),
        (None, None),
    ],
)
def test_whole_number_reads_only_ascii_digits_within_the_bound(text, expected):
    assert whole_number(text, maximum=100) == expected


def test_search_text_is_a_literal_like_pattern():
    assert contains_pattern("100%") == "%100\\%%"
    assert contains_pattern("a_b") == "%a\\_b%"
    assert contains_pattern("c:\\x") == "%c:\\\\x%"


@given(st.text())
def test_the_documented_text_pattern_agrees_with_the_validator(text):
    assert bool(re.search(TEXT_PATTERN, text)) == (not has_control_characters(text))
    non_blank = bool(text.strip()) and not has_control_characters(text)
    assert bool(re.search(NON_BLANK_TEXT_PATTERN, text)) == non_blank


def test_json_nested_too_deeply_is_a_value_error(app_free_provider):
    with pytest.raises(NestedTooDeeply) as raised:
        app_free_provider.loads("[" * 100_000 + "]" * 100_000)
    assert isinstance(raised.value, ValueError)
    assert app_free_provider.loads("[[1]]") == [[1]]


@pytest.fixture
def app_free_provider():
    from flask import Flask

    return JSONProvider(Flask(__name__))
