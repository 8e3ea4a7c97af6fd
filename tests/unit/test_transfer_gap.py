"""The coverage gap between the suspension at the transfer-out side and the enrolment at the
transfer-in side: at most 3 months back-payment with retroactive benefits, longer the pool's
waiting period (config/pools.toml, at most 6 months)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.transfers import rules
from service.transfers.gap import load_waiting

TODAY = date(2026, 12, 2)
DEYANG = rules.Waiting("510600", 6, "C")
SHORT = rules.Waiting("510600", 2, "R")

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
spans = st.integers(min_value=0, max_value=3000)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 1, 15), date(2026, 1, 15), 0),
        (date(2026, 1, 15), date(2026, 1, 16), 1),  # a month begun counts whole
        (date(2026, 1, 15), date(2026, 4, 15), 3),
        (date(2026, 1, 15), date(2026, 4, 16), 4),
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # no 31 February: its last day
        (date(2026, 1, 31), date(2026, 3, 1), 2),
        (date(2026, 11, 30), date(2027, 2, 28), 3),
        (date(2026, 5, 1), date(2026, 4, 1), 0),  # enrolled before the suspension: no gap
    ],
)
def test_months_of_gap_on_the_calendar(start, end, months):
    assert rules.months_started(start, end) == months


@given(days, spans)
def test_the_months_are_the_least_that_reach_the_enrolment(start, span):
    end = start + timedelta(days=span)
    n = rules.months_started(start, end)
    assert rules.add_months(start, n) >= end
    assert n == 0 or rules.add_months(start, n - 1) < end


@given(days, spans, spans)
def test_a_later_enrolment_never_makes_the_gap_shorter(start, a, b):
    first, second = sorted((a, b))
    assert rules.months_started(start, start + timedelta(days=first)) <= rules.months_started(
        start, start + timedelta(days=second)
    )


@given(days, spans, st.sampled_from([DEYANG, SHORT, None]))
def test_three_months_at_most_is_back_payment_else_the_pools_waiting_period(start, span, pool):
    enrolled = start + timedelta(days=span)
    gap = rules.coverage_gap(suspended_on=start, enrolled_on=enrolled, today=TODAY, waiting=pool)
    assert gap.until == enrolled and not gap.so_far
    within = enrolled <= rules.add_months(start, 3)
    assert (gap.consequence == rules.BACK_PAYMENT) == within == (gap.months <= 3)
    if within:
        assert (gap.waiting_months, gap.confidence) == (None, None)
    else:
        expected = (pool.months, pool.confidence) if pool else (rules.MAX_WAITING_MONTHS, "C")
        assert (gap.waiting_months, gap.confidence) == expected
        assert 0 <= gap.waiting_months <= rules.MAX_WAITING_MONTHS


def test_before_the_enrolment_the_gap_runs_until_today_so_far():
    gap = rules.coverage_gap(
        suspended_on=date(2026, 8, 1), enrolled_on=None, today=TODAY, waiting=DEYANG
    )
    assert (gap.months, gap.consequence, gap.waiting_months, gap.so_far) == (
        5,
        rules.WAITING_PERIOD,
        6,
        True,
    )
    assert gap.until == TODAY
    recent = rules.coverage_gap(
        suspended_on=date(2026, 11, 20), enrolled_on=None, today=TODAY, waiting=DEYANG
    )
    assert (recent.months, recent.consequence, recent.so_far) == (1, rules.BACK_PAYMENT, True)


def test_every_configured_pool_has_a_waiting_period_within_six_months():
    waiting = load_waiting()
    assert {"510100", "510600"} <= set(waiting)
    for pool in waiting.values():
        assert 0 <= pool.months <= rules.MAX_WAITING_MONTHS
        assert pool.confidence in ("R", "C")


POOL = '[[pool]]\ncode = "510600"\nmale_years = 25\nfemale_years = 20\nconfidence = "C"\n'


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('waiting_confidence = "C"\n', "pool 510600: waiting_months must be a whole number"),
        ('waiting_months = "6"\nwaiting_confidence = "C"\n', "waiting_months must be a whole"),
        ('waiting_months = 7\nwaiting_confidence = "C"\n', "waiting_months must be from 0 to 6"),
        ("waiting_months = 6\n", "pool 510600: waiting_confidence must be one of"),
    ],
)
def test_a_broken_waiting_period_names_the_pool_and_the_field(extra, message):
    with pytest.raises(ValueError, match=message):
        rules.parse_waiting(POOL + extra)
