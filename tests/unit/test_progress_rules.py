"""The progress page's pure rules: what it accepts, and the tail compared in constant time."""

from __future__ import annotations

import pytest

from service.progress import rules


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("011233", "011233"), (" 31002x ", "31002X"), ("12345", None), ("1234567", None),
     ("12345Y", None), ("１２３４５６", None), ("", None), (None, None)],
)  # fmt: skip
def test_a_tail_is_six_digits_or_five_and_an_x(typed, normal):
    assert rules.normal_tail(typed) == normal


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("sf-2026-000001", "SF-2026-000001"), (" JN-2026-000042 ", "JN-2026-000042"),
     ("JN 2026", None), ("", None), ("A" * 33, None), ("JN-２０２６", None)],
)  # fmt: skip
def test_a_case_number_is_letters_digits_and_hyphens(typed, normal):
    assert rules.normal_number(typed) == normal


def test_the_tail_matches_only_the_end_of_the_persons_number():
    assert rules.tail_matches("51010619761201002X", "01002X")
    assert rules.tail_matches("51010619761201002x", "01002X")
    assert not rules.tail_matches("51010619761201002X", "51010X")
    assert not rules.tail_matches("51010619761201002X", "01002x")  # callers normalise first


def test_without_a_person_nothing_matches():
    assert rules.tail_of(None) == rules.NO_TAIL
    assert rules.tail_of("12") == rules.NO_TAIL
    assert not rules.tail_matches(None, rules.NO_TAIL.replace("-", "0"))
    assert rules.normal_tail(rules.NO_TAIL) is None  # the stand-in can never be typed
