"""Working-day arithmetic for statutory periods (DOMAIN.md §2), and the override file format.

Pure: the calendar comes in as a day lookup, a callable ``date -> DayInfo``. Short periods count
working days (first day not counted); long periods count calendar days and move an end that falls
on a rest day to the next working day. A result is *provisional* when any day it depended on came
from the Monday–Friday fallback instead of an official schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from service.errors import N_, ValidationFailed

ONE_DAY = timedelta(days=1)
# No official schedule has more than a few consecutive rest days; a year of them means the
# lookup is broken (e.g. every day overridden as rest), not that the deadline is far away.
MAX_REST_RUN = 366
NOTICE_MAX_LENGTH = 300
WORKDAY_KINDS = frozenset({"workday", "班"})  # 班: make-up workday (调休上班)
REST_KINDS = frozenset({"rest", "休"})  # 休: statutory holiday / rest day


@dataclass(frozen=True)
class DayInfo:
    is_workday: bool
    provisional: bool = False  # True: from the Mon–Fri fallback, no official schedule known


Lookup = Callable[[date], DayInfo]


@dataclass(frozen=True)
class Due:
    date: date
    provisional: bool  # some day it depended on came from the Mon–Fri fallback


def make_lookup(
    overrides: Mapping[date, bool],
    official: Callable[[date], bool | None],
    *,
    covered_years: Collection[int] = (),
) -> Lookup:
    """Compose the sources: the admin override table, then the official schedule (``None``
    when it does not know the year), then Monday–Friday marked provisional.

    ``covered_years`` are years whose official notice was entered as overrides: there the
    remaining days are ordinary weekdays and weekends, so the fallback is not provisional.
    """

    def lookup(day: date) -> DayInfo:
        if day in overrides:
            return DayInfo(bool(overrides[day]), False)
        known = official(day)
        if known is not None:
            return DayInfo(bool(known), False)
        return DayInfo(day.weekday() < 5, day.year not in covered_years)

    return lookup


def is_working_day(day: date, lookup: Lookup) -> bool:
    return lookup(day).is_workday


def _next_working_day(day: date, lookup: Lookup) -> tuple[date, bool]:
    """The first working day after ``day`` and whether a provisional day was consulted."""
    provisional = False
    for _ in range(MAX_REST_RUN):
        day += ONE_DAY
        info = lookup(day)
        provisional = provisional or info.provisional
        if info.is_workday:
            return day, provisional
    raise ValueError(
        f"no working day within {MAX_REST_RUN} days after {day - ONE_DAY * MAX_REST_RUN}"
    )


def add_working_days(start: date, n: int, lookup: Lookup) -> Due:
    """The n-th working day after ``start`` (the first day is not counted; ``n == 0`` is
    ``start`` itself)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day, provisional = start, False
    for _ in range(n):
        day, consulted = _next_working_day(day, lookup)
        provisional = provisional or consulted
    return Due(day, provisional)


def add_calendar_days(start: date, n: int, lookup: Lookup) -> Due:
    """``start`` + n calendar days; an end on a rest day moves to the next working day."""
    if n < 0:
        raise ValueError("n must not be negative")
    end = start + timedelta(days=n)
    info = lookup(end)
    if info.is_workday:
        return Due(end, info.provisional)
    moved, provisional = _next_working_day(end, lookup)
    return Due(moved, info.provisional or provisional)


def working_days_between(start: date, end: date, lookup: Lookup) -> int:
    """Working days in (start, end]; negative (the days in (end, start]) when end < start,
    so that ``working_days_between(s, add_working_days(s, n).date) == n``."""
    if end < start:
        return -working_days_between(end, start, lookup)
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += lookup(day).is_workday
    return count


# --- the override file: date,kind,notice ---------------------------------------------------


@dataclass(frozen=True)
class OverrideRow:
    line: int
    day: date
    is_workday: bool
    notice: str


def parse_kind(value: str) -> bool | None:
    """``workday``/``班`` → True, ``rest``/``休`` → False, anything else → None."""
    kind = value.strip().lower()
    if kind in WORKDAY_KINDS:
        return True
    if kind in REST_KINDS:
        return False
    return None


def _is_header(cells: Sequence[str]) -> bool:
    return bool(cells) and cells[0].strip().lower().lstrip("\ufeff") in {"date", "日期"}


def parse_override_rows(rows: Iterable[Sequence[str]]) -> list[OverrideRow]:
    """Read ``date,kind,notice`` rows (line 1 may be a header; blank lines and lines starting
    with ``#`` are skipped). A bad row raises ValidationFailed naming its line; a file either
    parses completely or not at all."""
    parsed: dict[date, OverrideRow] = {}
    for line, cells in enumerate(rows, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#") or (line == 1 and _is_header(cells)):
            continue
        if len(cells) != 3:
            raise ValidationFailed(
                N_("Line %(line)d: expected three columns date,kind,notice, found %(count)d."),
                line=line,
                count=len(cells),
            )
        text, kind, notice = cells
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(
                N_("Line %(line)d: “%(value)s” is not a date (YYYY-MM-DD)."), line=line, value=text
            ) from None
        is_workday = parse_kind(kind)
        if is_workday is None:
            raise ValidationFailed(
                N_("Line %(line)d: the kind “%(value)s” must be workday (班) or rest (休)."),
                line=line,
                value=kind,
            )
        problem = notice_problem(notice)
        if problem:
            raise ValidationFailed(LINE_NOTICE_PROBLEMS[problem], line=line, max=NOTICE_MAX_LENGTH)
        earlier = parsed.get(day)
        if earlier is not None and earlier.is_workday != is_workday:
            raise ValidationFailed(
                N_("Line %(line)d: %(day)s is already listed on line %(earlier)d as another kind."),
                line=line,
                day=day.isoformat(),
                earlier=earlier.line,
            )
        parsed[day] = OverrideRow(line, day, is_workday, notice)
    return sorted(parsed.values(), key=lambda row: row.day)


def notice_problem(notice: str) -> str | None:
    """What is wrong with a notice text (``missing``, ``too_long``, ``control``), or None.
    A notice is one line naming the official document, e.g. 国办发明电〔2025〕7号."""
    if not notice.strip():
        return "missing"
    if len(notice) > NOTICE_MAX_LENGTH:
        return "too_long"
    if any(ord(c) < 32 or ord(c) == 127 for c in notice):
        return "control"
    return None


NOTICE_PROBLEMS = {
    "missing": N_("Please name the official notice this day comes from."),
    "too_long": N_("At most %(max)d characters."),
    "control": N_("Must not contain control characters."),
}
LINE_NOTICE_PROBLEMS = {
    "missing": N_(
        "Line %(line)d: the notice is missing; name the official notice the day comes from."
    ),
    "too_long": N_("Line %(line)d: the notice must be at most %(max)d characters."),
    "control": N_("Line %(line)d: the notice must not contain control characters."),
}
