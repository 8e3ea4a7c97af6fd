"""Calendar transactions and look-ups: the composed day lookup, due dates, which years lack an
official schedule, and the admin override table (set, delete, import), each write audited.

A year is *covered* when chinesecalendar knows it or when at least one override of that year
names the official notice it comes from. The State Council publishes a year's holidays and
make-up workdays in one notice; an administrator enters that notice as a whole (the CSV import),
so one override with a notice stands for the year's schedule. In a covered year the days the
overrides do not name are ordinary (Mon–Fri working); in an uncovered year the Mon–Fri fallback
makes every deadline provisional and admins see a banner.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import chinese_calendar
from sqlmodel import Session, select

from service.audit import service as audit
from service.calendar import rules
from service.calendar.models import CalendarOverride
from service.calendar.rules import Due, Lookup
from service.db import LOCAL_TZ, utcnow
from service.errors import N_, FieldError, NotFound, ValidationFailed

OBJECT_TYPE = "calendar_day"


def local_today() -> date:
    """Today in Asia/Shanghai: the offices' calendar day."""
    return utcnow().astimezone(LOCAL_TZ).date()


def official_day(day: date) -> bool | None:
    """Working day per chinesecalendar (2004–2026 in 1.11); None for a year it does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def official_knows(year: int) -> bool:
    return official_day(date(year, 1, 1)) is not None


def _overrides(session: Session) -> list[tuple[date, bool, str]]:
    return list(
        session.exec(
            select(CalendarOverride.day, CalendarOverride.is_workday, CalendarOverride.notice)
        )
    )


def _covered(overrides: Iterable[tuple[date, bool, str]]) -> set[int]:
    return {day.year for day, _is_workday, notice in overrides if notice.strip()}


def override_years(session: Session) -> list[int]:
    """Years with at least one override that names its notice (covered by overrides)."""
    return sorted(_covered(_overrides(session)))


def lookup(session: Session) -> Lookup:
    """The day lookup of this moment: overrides, then chinesecalendar, then Mon–Fri.

    The override table is read once here; keep the lookup for one request or task only.
    """
    overrides = _overrides(session)
    return rules.make_lookup(
        {day: is_workday for day, is_workday, _notice in overrides},
        official_day,
        covered_years=frozenset(_covered(overrides)),
    )


def due(session: Session, start: date, n: int, *, calendar_days: bool = False) -> Due:
    """The due date of a period of n working days (or calendar days) starting on ``start``."""
    day_lookup = lookup(session)
    if calendar_days:
        return rules.add_calendar_days(start, n, day_lookup)
    return rules.add_working_days(start, n, day_lookup)


def year_sources(session: Session, years: Iterable[int]) -> dict[int, str]:
    """Where each year's schedule comes from: ``official``, ``overrides`` or ``missing``."""
    covered = set(override_years(session))
    return {
        year: "official" if official_knows(year) else "overrides" if year in covered else "missing"
        for year in sorted(set(years))
    }


def missing_years(session: Session, years: Iterable[int]) -> list[int]:
    """Years neither chinesecalendar nor the overrides cover (deadlines there are provisional)."""
    return [year for year, source in year_sources(session, years).items() if source == "missing"]


def missing_soon(session: Session, today: date | None = None) -> list[int]:
    """The current and the next year (Asia/Shanghai) when their official schedule is missing."""
    year = (today or local_today()).year
    return missing_years(session, [year, year + 1])


def overrides_in_year(session: Session, year: int) -> list[CalendarOverride]:
    return list(
        session.exec(
            select(CalendarOverride)
            .where(CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(CalendarOverride.day)
        )
    )


def _check_notice(notice: str) -> str:
    notice = notice.strip()
    problem = rules.notice_problem(notice)
    if problem:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "notice", rules.NOTICE_PROBLEMS[problem], {"max": rules.NOTICE_MAX_LENGTH}
                )
            ]
        )
    return notice


def _upsert(
    session: Session, *, day: date, is_workday: bool, notice: str, actor, ip: str, **detail
) -> CalendarOverride:
    row = session.get(CalendarOverride, day)
    before = None if row is None else {"is_workday": row.is_workday, "notice": row.notice}
    if row is None:
        row = CalendarOverride(day=day, is_workday=is_workday, notice=notice)
    row.is_workday, row.notice = is_workday, notice
    row.created_at, row.created_by = utcnow(), getattr(actor, "id", None)
    session.add(row)
    audit.record(
        session,
        action="calendar.override_set",
        object_type=OBJECT_TYPE,
        object_id=day.isoformat(),
        user=actor,
        ip=ip,
        is_workday=is_workday,
        notice=notice,
        before=before,
        **detail,
    )
    return row


def set_override(
    session: Session, *, day: date, is_workday: bool, notice: str, actor=None, ip: str = ""
) -> CalendarOverride:
    """Declare ``day`` a working day or a rest day, citing the official notice; replaces an
    earlier override of the same day."""
    row = _upsert(
        session, day=day, is_workday=is_workday, notice=_check_notice(notice), actor=actor, ip=ip
    )
    session.commit()
    return row


def delete_override(session: Session, *, day: date, actor=None, ip: str = "") -> None:
    """Remove the override of ``day``: the official schedule (or the fallback) applies again."""
    row = session.get(CalendarOverride, day)
    if row is None:
        raise NotFound(N_("There is no override for %(day)s."), day=day.isoformat())
    audit.record(
        session,
        action="calendar.override_deleted",
        object_type=OBJECT_TYPE,
        object_id=day.isoformat(),
        user=actor,
        ip=ip,
        is_workday=row.is_workday,
        notice=row.notice,
    )
    session.delete(row)
    session.commit()


def _read_csv(path: Path) -> list[list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.reader(f))
    except UnicodeDecodeError:
        raise ValidationFailed(N_("The file is not UTF-8 text.")) from None


def import_overrides(
    session: Session,
    path_or_rows: str | Path | Iterable[Sequence[str]],
    *,
    actor=None,
    ip: str = "",
) -> int:
    """Import a CSV ``date,kind,notice`` (kind: workday/班 or rest/休; a header line is
    optional). All rows or none: a bad row raises ValidationFailed naming its line. Returns
    the number of days written."""
    if isinstance(path_or_rows, str | Path):
        source = Path(path_or_rows).name
        rows = rules.parse_override_rows(_read_csv(Path(path_or_rows)))
    else:
        source = ""
        rows = rules.parse_override_rows(path_or_rows)
    for row in rows:
        _upsert(
            session,
            day=row.day,
            is_workday=row.is_workday,
            notice=row.notice,
            actor=actor,
            ip=ip,
            via="import",
            source=source,
            line=row.line,
        )
    session.commit()
    return len(rows)
