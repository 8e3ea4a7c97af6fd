"""Working-day arithmetic against the published 2025 and 2026 holiday schedules (国务院办公厅
节假日安排通知), across year ends into a year nobody has published yet, and as properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.calendar.rules import (
    DayInfo,
    Due,
    add_calendar_days,
    add_working_days,
    is_working_day,
    make_lookup,
    parse_override_rows,
    working_days_between,
)
from service.calendar.service import official_day
from service.errors import ValidationFailed

OFFICIAL = make_lookup({}, official_day)
LAST_KNOWN_YEAR = 2026  # chinesecalendar 1.11 knows 2004–2026


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# --- the published schedules ----------------------------------------------------------------

MAKE_UP_WORKDAYS = {
    # 2025: 春节 1-26 (Sun), 2-08 (Sat); 劳动节 4-27 (Sun); 国庆/中秋 9-28 (Sun), 10-11 (Sat)
    2025: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    # 2026: 元旦 1-04 (Sun); 春节 2-14, 2-28 (Sat); 劳动节 5-09 (Sat); 国庆 9-20 (Sun), 10-10 (Sat)
    2026: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
}
HOLIDAY_BREAKS = {
    2025: [
        ("2025-01-01", "2025-01-01"),  # 元旦
        ("2025-01-28", "2025-02-04"),  # 春节
        ("2025-05-01", "2025-05-05"),  # 劳动节
        ("2025-10-01", "2025-10-08"),  # 国庆 + 中秋
    ],
    2026: [
        ("2026-01-01", "2026-01-03"),  # 元旦
        ("2026-02-15", "2026-02-23"),  # 春节
        ("2026-05-01", "2026-05-05"),  # 劳动节
        ("2026-10-01", "2026-10-07"),  # 国庆 (中秋 is 9-25..9-27 this year)
    ],
}


@pytest.mark.parametrize("day", [d(x) for year in MAKE_UP_WORKDAYS.values() for x in year])
def test_make_up_workdays_on_a_weekend_are_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert is_working_day(day, OFFICIAL)


@pytest.mark.parametrize(
    ("first", "last"), [pair for year in HOLIDAY_BREAKS.values() for pair in year]
)
def test_every_day_of_a_holiday_break_is_a_rest_day(first: str, last: str) -> None:
    rest = days(first, last)
    assert any(day.weekday() < 5 for day in rest)  # the break really takes weekdays off
    assert not any(is_working_day(day, OFFICIAL) for day in rest)


def test_the_first_day_is_not_counted_and_make_up_saturdays_count() -> None:
    # 9-30 is a Wednesday; 10-01..10-07 rest; 10-08 Thu, 10-09 Fri, 10-10 Sat (make-up) count;
    # 10-12..10-16 are the 4th–8th, 10-19 the 9th and 10-20 the 10th working day.
    assert add_working_days(d("2026-09-30"), 10, OFFICIAL) == Due(d("2026-10-20"), False)
    assert add_working_days(d("2026-09-30"), 1, OFFICIAL) == Due(d("2026-10-08"), False)
    assert add_working_days(d("2026-09-30"), 3, OFFICIAL) == Due(d("2026-10-10"), False)


def test_the_spring_festival_break_is_skipped() -> None:
    assert add_working_days(d("2026-02-13"), 1, OFFICIAL).date == d("2026-02-14")  # make-up Sat
    assert add_working_days(d("2026-02-14"), 1, OFFICIAL).date == d("2026-02-24")
    assert add_working_days(d("2025-01-24"), 2, OFFICIAL).date == d("2025-01-27")  # 1-26 Sun works
    assert add_working_days(d("2025-01-27"), 1, OFFICIAL).date == d("2025-02-05")


def test_national_day_2025_with_its_make_up_days() -> None:
    # 9-28 (Sun) works, 10-01..10-08 rest, 10-09 Thu, 10-10 Fri, 10-11 Sat (make-up), 10-13 Mon.
    assert add_working_days(d("2025-09-26"), 2, OFFICIAL).date == d("2025-09-29")
    assert add_working_days(d("2025-09-30"), 4, OFFICIAL).date == d("2025-10-13")
    assert working_days_between(d("2025-09-26"), d("2025-10-13"), OFFICIAL) == 7


def test_a_period_ending_in_a_known_year_across_new_year_is_not_provisional() -> None:
    # 12-29, 12-30, 12-31, then 元旦 1-01..1-03 rest and 1-04 (Sun) a make-up workday.
    assert add_working_days(d("2025-12-26"), 4, OFFICIAL) == Due(d("2026-01-04"), False)
    assert add_working_days(d("2025-12-26"), 5, OFFICIAL) == Due(d("2026-01-05"), False)


def test_a_period_reaching_into_an_unpublished_year_is_provisional() -> None:
    # 12-28..12-31 are the first four; 2027 is unknown: Mon–Fri, so 1-01 (Fri) counts as the
    # fifth and 1-08 is the tenth — provisional, since the real 2027 schedule will differ.
    assert add_working_days(d("2026-12-25"), 10, OFFICIAL) == Due(d("2027-01-08"), True)
    assert add_working_days(d("2026-12-25"), 4, OFFICIAL) == Due(d("2026-12-31"), False)
    assert add_working_days(d("2027-03-01"), 1, OFFICIAL) == Due(d("2027-03-02"), True)


def test_zero_working_days_is_the_start_itself_and_negative_periods_are_refused() -> None:
    assert add_working_days(d("2026-10-03"), 0, OFFICIAL) == Due(d("2026-10-03"), False)
    with pytest.raises(ValueError):
        add_working_days(d("2026-10-03"), -1, OFFICIAL)
    with pytest.raises(ValueError):
        add_calendar_days(d("2026-10-03"), -1, OFFICIAL)


# --- calendar-day periods -------------------------------------------------------------------


def test_a_calendar_day_period_ending_in_a_holiday_moves_past_the_break() -> None:
    assert add_calendar_days(d("2026-09-20"), 15, OFFICIAL) == Due(d("2026-10-08"), False)
    assert add_calendar_days(d("2026-02-01"), 15, OFFICIAL) == Due(d("2026-02-24"), False)
    assert add_calendar_days(d("2025-09-16"), 15, OFFICIAL) == Due(d("2025-10-09"), False)


def test_a_calendar_day_period_ending_on_a_weekend_moves_to_monday() -> None:
    assert d("2026-03-21").weekday() == 5
    assert add_calendar_days(d("2026-03-06"), 15, OFFICIAL) == Due(d("2026-03-23"), False)


def test_a_calendar_day_period_ending_on_a_working_day_stays() -> None:
    # 2026-10-10 is a Saturday but a make-up workday.
    assert add_calendar_days(d("2026-09-25"), 15, OFFICIAL) == Due(d("2026-10-10"), False)
    assert add_calendar_days(d("2026-03-02"), 30, OFFICIAL) == Due(d("2026-04-01"), False)
    # 90 days from 2026-03-02 is Sunday 05-31: moved to Monday.
    assert add_calendar_days(d("2026-03-02"), 90, OFFICIAL) == Due(d("2026-06-01"), False)


def test_a_calendar_day_period_ending_in_an_unpublished_year_is_provisional() -> None:
    assert add_calendar_days(d("2026-12-17"), 15, OFFICIAL) == Due(d("2027-01-01"), True)
    # ends on 2026-12-27 (Sun): moved to Monday, still inside the known year
    assert add_calendar_days(d("2026-12-12"), 15, OFFICIAL) == Due(d("2026-12-28"), False)


# --- counting working days between two dates ----------------------------------------------


def test_working_days_between_counts_the_end_not_the_start_and_is_signed() -> None:
    assert working_days_between(d("2026-09-30"), d("2026-10-20"), OFFICIAL) == 10
    assert working_days_between(d("2026-10-20"), d("2026-09-30"), OFFICIAL) == -10
    assert working_days_between(d("2026-10-01"), d("2026-10-01"), OFFICIAL) == 0
    assert working_days_between(d("2026-10-01"), d("2026-10-07"), OFFICIAL) == 0


# --- composing the sources ------------------------------------------------------------------


def test_an_override_wins_over_the_official_schedule() -> None:
    lookup = make_lookup({d("2026-10-08"): False, d("2026-10-03"): True}, official_day)
    assert lookup(d("2026-10-08")) == DayInfo(False, False)
    assert lookup(d("2026-10-03")) == DayInfo(True, False)
    # 10-03 now counts and 10-08 does not: the 10th working day after 9-30 stays 10-20.
    assert add_working_days(d("2026-09-30"), 1, lookup).date == d("2026-10-03")
    assert add_working_days(d("2026-09-30"), 2, lookup).date == d("2026-10-09")


def test_an_unknown_year_falls_back_to_monday_to_friday_marked_provisional() -> None:
    assert OFFICIAL(d("2027-01-01")) == DayInfo(True, True)  # a Friday
    assert OFFICIAL(d("2027-01-02")) == DayInfo(False, True)  # a Saturday
    assert OFFICIAL(d("2003-06-02")) == DayInfo(True, True)
    assert OFFICIAL(d("2026-01-01")) == DayInfo(False, False)


def test_a_year_covered_by_overrides_is_not_provisional() -> None:
    lookup = make_lookup({d("2027-01-01"): False}, official_day, covered_years={2027})
    assert lookup(d("2027-01-01")) == DayInfo(False, False)
    assert lookup(d("2027-03-01")) == DayInfo(True, False)
    assert add_working_days(d("2026-12-25"), 10, lookup) == Due(d("2027-01-11"), False)


def test_a_calendar_that_never_works_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="no working day"):
        add_working_days(d("2026-01-01"), 1, lambda _day: DayInfo(False, False))


# --- the override file ----------------------------------------------------------------------


def test_override_rows_accept_english_and_chinese_kinds_and_a_header() -> None:
    rows = parse_override_rows(
        [
            ["date", "kind", "notice"],
            ["2027-02-06", "班", "国办发明电〔2026〕1号"],
            [],
            ["# 春节"],
            ["2027-02-08", " rest ", "国办发明电〔2026〕1号"],
            ["2027-02-09", "休", "国办发明电〔2026〕1号"],
            ["2027-10-09", "Workday", "国办发明电〔2026〕1号"],
        ]
    )
    assert [(r.line, r.day.isoformat(), r.is_workday) for r in rows] == [
        (2, "2027-02-06", True),
        (5, "2027-02-08", False),
        (6, "2027-02-09", False),
        (7, "2027-10-09", True),
    ]


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (["2027-02-30", "rest", "通知"], "is not a date"),
        (["2027/02/08", "rest", "通知"], "is not a date"),
        (["2027-02-08", "holiday", "通知"], "must be workday"),
        (["2027-02-08", "rest", "  "], "notice is missing"),
        (["2027-02-08", "rest"], "expected three columns"),
        (["2027-02-08", "rest", "x" * 301], "at most"),
        (["2027-02-06", "rest", "通知"], "already listed on line 2"),
    ],
)
def test_a_bad_override_row_names_its_line(bad_row: list[str], message: str) -> None:
    rows = [["date", "kind", "notice"], ["2027-02-06", "workday", "通知"], bad_row]
    with pytest.raises(ValidationFailed) as caught:
        parse_override_rows(rows)
    assert caught.value.params["line"] == 3
    assert str(caught.value).startswith("Line 3: ")
    assert message in str(caught.value)


# --- properties -----------------------------------------------------------------------------

starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2027, 12, 31))
periods = st.integers(min_value=1, max_value=60)


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=60))
def test_adding_n_working_days_then_counting_back_gives_n(start: date, n: int) -> None:
    due = add_working_days(start, n, OFFICIAL)
    assert working_days_between(start, due.date, OFFICIAL) == n
    assert working_days_between(due.date, start, OFFICIAL) == -n


@settings(max_examples=300, deadline=None)
@given(start=starts, n=periods, calendar_days=st.booleans())
def test_a_due_date_is_never_a_rest_day(start: date, n: int, calendar_days: bool) -> None:
    add = add_calendar_days if calendar_days else add_working_days
    due = add(start, n, OFFICIAL)
    assert is_working_day(due.date, OFFICIAL)
    assert due.date > start
    if calendar_days:  # moved only across rest days
        end = start + timedelta(n)
        assert all(not is_working_day(day, OFFICIAL) for day in days(str(end), str(due.date))[:-1])


@settings(max_examples=300, deadline=None)
@given(start=starts, n=periods, calendar_days=st.booleans())
def test_provisional_exactly_when_the_period_reaches_an_unpublished_year(
    start: date, n: int, calendar_days: bool
) -> None:
    add = add_calendar_days if calendar_days else add_working_days
    due = add(start, n, OFFICIAL)
    assert due.provisional == (due.date.year > LAST_KNOWN_YEAR)


# A made-up calendar: any days rest or working, any of them from the fallback.
day_infos = st.builds(DayInfo, st.booleans(), st.booleans())
calendars = st.dictionaries(
    st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 6, 30)), day_infos, max_size=120
)


def _lookup(table: dict[date, DayInfo]):
    return lambda day: table.get(day, DayInfo(day.weekday() < 5, False))


@settings(max_examples=300, deadline=None)
@given(
    table=calendars,
    start=st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 3, 31)),
    n=periods,
)
def test_on_any_calendar_working_days_are_provisional_iff_a_counted_day_is(
    table: dict[date, DayInfo], start: date, n: int
) -> None:
    lookup = _lookup(table)
    due = add_working_days(start, n, lookup)
    counted = days(str(start + timedelta(1)), str(due.date))
    assert due.provisional == any(lookup(day).provisional for day in counted)
    assert lookup(due.date).is_workday
    assert working_days_between(start, due.date, lookup) == n


@settings(max_examples=300, deadline=None)
@given(
    table=calendars,
    start=st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 3, 31)),
    n=periods,
)
def test_on_any_calendar_calendar_days_are_provisional_iff_the_end_or_a_skipped_day_is(
    table: dict[date, DayInfo], start: date, n: int
) -> None:
    lookup = _lookup(table)
    due = add_calendar_days(start, n, lookup)
    # only the end and the rest days it moved across were looked at, not the days before it
    looked_at = days(str(start + timedelta(n)), str(due.date))
    assert due.provisional == any(lookup(day).provisional for day in looked_at)
    assert lookup(due.date).is_workday
    assert not any(lookup(day).is_workday for day in looked_at[:-1])
