"""SLA clocks: started, paused, resumed and stopped with the case's status, extended with a
supervisor's approval, and found due for reminders and escalations. Only the clock tables are
written here; the case's own rows (due date, timeline) change in ``service.cases.flows``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import func
from sqlmodel import Session, select

from config import CONFIG_DIR
from service.accounts.models import Role, User
from service.calendar import service as calendar
from service.calendar.rules import is_working_day
from service.cases import rules as case_rules
from service.cases.models import Case
from service.db import LOCAL_TZ, utcnow
from service.errors import N_, Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from service.i18n import in_working_language
from service.notifications import service as notifications
from service.notifications.models import Notification
from service.offices import service as offices
from service.offices.models import Office
from service.outbox import jobs
from service.sla import rules
from service.sla.models import AckAlert, CaseClock, ClockAlert, ClockExtension
from service.sla.rules import ACTIVE, Approver, ClockStatus, ExtensionStatus


@lru_cache
def step_rules() -> tuple[rules.StepRule, ...]:
    return tuple(rules.load_rules(CONFIG_DIR / "sla.toml"))


@lru_cache
def ack_rule() -> rules.AckRule:
    return rules.parse_ack_rule((CONFIG_DIR / "sla.toml").read_text("utf-8"))


def rule_for(kind: str, step: str) -> rules.StepRule:
    for rule in step_rules():
        if rule.kind == kind and rule.step == step:
            return rule
    raise KeyError(f"no SLA rule for {kind}/{step}")


def is_working_day_on(session: Session, day: date) -> bool:
    return is_working_day(day, calendar.lookup(session))


def local_today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), LOCAL_TZ)


def active_clocks(session: Session, case_id: int) -> list[CaseClock]:
    return list(
        session.exec(
            select(CaseClock).where(CaseClock.case_id == case_id, CaseClock.status.in_(ACTIVE))
        )
    )


def on_status_change(
    session: Session,
    *,
    case: Case,
    facts: case_rules.CaseFacts,
    from_status: str | None,
    to_status: str,
    reason: str = "",
) -> datetime | None:
    """Start, pause, resume or stop the case's step clocks (part of the caller's transaction);
    returns the nearest due time of its running clocks, the case's ``due_at``."""
    # a case being filed has no clocks yet
    clocks = {c.step: c for c in active_clocks(session, case.id)} if from_status else {}
    changes = rules.clock_changes(
        step_rules(),
        kind=case.kind,
        from_status=from_status,
        to_status=to_status,
        running={s for s, c in clocks.items() if c.status == ClockStatus.running},
        paused={s for s, c in clocks.items() if c.status == ClockStatus.paused},
    )
    if not changes:
        return _nearest(clocks.values())
    lookup = calendar.lookup(session)
    today, now = local_today(), utcnow()
    for change in changes:
        rule = rule_for(case.kind, change.step)
        clock = clocks.get(change.step)
        if change.change == "start":
            due = rules.due_after(today, rule.days, rule.unit, lookup)
            started = CaseClock(
                case_id=case.id,
                step=rule.step,
                owing_office=case_rules.office_for(facts, rule.owed_by),
                unit=rule.unit,
                days=rule.days,
                started_at=now,
                due_on=due.date,
                provisional=due.provisional,
            )
            session.add(started)
            clocks[change.step] = started
        elif change.change == "pause":
            clock.status, clock.paused_at, clock.pause_reason = ClockStatus.paused, now, reason
        elif change.change == "resume":
            shifted = rules.shift_for_pause(
                clock.due_on, clock.paused_at.astimezone(LOCAL_TZ).date(), today, rule.unit, lookup
            )
            clock.due_on, clock.provisional = shifted.date, clock.provisional or shifted.provisional
            clock.status, clock.paused_at = ClockStatus.running, None
        else:
            remaining = rules.remaining_days(clock.due_on, today, rule.unit, lookup)
            clock.status = ClockStatus.met if remaining >= 0 else ClockStatus.breached
            clock.overdue_days = max(0, -remaining)
            clock.stopped_at = now
        if clock is not None:
            session.add(clock)
    return _nearest(clocks.values())


def nearest_due(session: Session, case_id: int) -> datetime | None:
    return _nearest(active_clocks(session, case_id))


def _nearest(clocks) -> datetime | None:
    """The end of the earliest due day among the running clocks (None: none runs)."""
    running = [c for c in clocks if c.status == ClockStatus.running]
    return end_of_day(min(c.due_on for c in running)) if running else None


@dataclass
class ClockView:
    clock: CaseClock
    rule: rules.StepRule
    remaining: int | None  # None while paused or stopped
    pending_extension: ClockExtension | None
    extended_days: int = 0  # granted by approved extensions, on top of ``clock.days``


def clocks_of(session: Session, *, case: Case) -> list[ClockView]:
    lookup = calendar.lookup(session)
    today = local_today()
    views = []
    for clock in session.exec(
        select(CaseClock).where(CaseClock.case_id == case.id).order_by(CaseClock.id)
    ):
        rule = rule_for(case.kind, clock.step)
        remaining = (
            rules.remaining_days(clock.due_on, today, clock.unit, lookup)
            if clock.status == ClockStatus.running
            else None
        )
        pending = session.exec(
            select(ClockExtension).where(
                ClockExtension.clock_id == clock.id,
                ClockExtension.status == ExtensionStatus.requested,
            )
        ).first()
        granted = session.exec(
            select(func.coalesce(func.sum(ClockExtension.days), 0)).where(
                ClockExtension.clock_id == clock.id,
                ClockExtension.status == ExtensionStatus.approved,
            )
        ).one()
        views.append(ClockView(clock, rule, remaining, pending, granted))
    return views


def remaining_for(session: Session, cases: list[Case]) -> dict[int, tuple[int, str]]:
    """(days left, unit) of each listed case's most urgent running clock; negative: overdue."""
    ids = [c.id for c in cases]
    if not ids:
        return {}
    lookup = calendar.lookup(session)
    today = local_today()
    result: dict[int, tuple[int, str]] = {}
    for clock in session.exec(
        select(CaseClock).where(CaseClock.case_id.in_(ids), CaseClock.status == ClockStatus.running)
    ):
        days = rules.remaining_days(clock.due_on, today, clock.unit, lookup)
        if clock.case_id not in result or days < result[clock.case_id][0]:
            result[clock.case_id] = (days, clock.unit)
    return result


def _clock_for_extension(session: Session, case: Case, actor: User) -> CaseClock:
    for clock in active_clocks(session, case.id):
        if clock.owing_office == actor.office_code:
            return clock
    raise Conflict(N_("Your office has no running deadline on this case to extend."))


def request_extension(
    session: Session, *, actor: User, case: Case, reason: str
) -> tuple[ClockExtension, CaseClock]:
    """Ask to extend the step the actor's office owes (flushed, not committed)."""
    if actor.role not in case_rules.CASE_WORKERS:
        raise Forbidden(N_("Your role may not request extensions."))
    if not reason.strip():
        raise ValidationFailed(
            errors=[FieldError("reason", N_("A reason is required for this action."))]
        )
    clock = _clock_for_extension(session, case, actor)
    rule = rule_for(case.kind, clock.step)
    if rule.extension_days < 1:
        raise Conflict(N_("This deadline cannot be extended."))
    if clock.extended or _pending(session, clock.id):
        raise Conflict(N_("An extension of this deadline was already requested."))
    extension = ClockExtension(
        clock_id=clock.id, requested_by=actor.id, reason=reason.strip(), days=rule.extension_days
    )
    session.add(extension)
    session.flush()
    return extension, clock


def _pending(session: Session, clock_id: int) -> ClockExtension | None:
    return session.exec(
        select(ClockExtension).where(
            ClockExtension.clock_id == clock_id,
            ClockExtension.status == ExtensionStatus.requested,
        )
    ).first()


def may_decide(session: Session, actor: User, rule: rules.StepRule, owing_office: str) -> bool:
    """The step's ``extension_approval``: a supervisor of the owing office, or a regional
    supervisor of a bureau over it."""
    if rule.extension_approval == Approver.regional_supervisor:
        return actor.role == Role.regional_supervisor and owing_office in (
            offices.overseen_offices(session, office_code=actor.office_code) - {actor.office_code}
        )
    return actor.role == Role.supervisor and actor.office_code == owing_office


def decide_extension(
    session: Session, *, actor: User, case: Case, extension_id: int, approve: bool
) -> tuple[ClockExtension, CaseClock]:
    """Approve (the due date moves) or reject a requested extension (flushed, not committed)."""
    extension = session.get(ClockExtension, extension_id)
    clock = session.get(CaseClock, extension.clock_id) if extension else None
    if extension is None or clock is None or clock.case_id != case.id:
        raise NotFound()
    if not may_decide(session, actor, rule_for(case.kind, clock.step), clock.owing_office):
        raise Forbidden(N_("Only a supervisor of the office that owes the step may decide."))
    if extension.status != ExtensionStatus.requested:
        raise Conflict(N_("This extension was already decided."))
    now = utcnow()
    extension.status = ExtensionStatus.approved if approve else ExtensionStatus.rejected
    extension.decided_by, extension.decided_at = actor.id, now
    if approve:
        lookup = calendar.lookup(session)
        new_due = rules.due_after(clock.due_on, extension.days, clock.unit, lookup)
        clock.due_on, clock.extended = new_due.date, True
        clock.provisional = clock.provisional or new_due.provisional
        extension.new_due_on = new_due.date
        session.add(clock)
    session.add(extension)
    session.flush()
    return extension, clock


@dataclass
class Alert:
    """A reminder or escalation due today about one running clock (its row already added)."""

    clock: CaseClock
    rule: rules.StepRule
    kind: str  # reminder, escalation
    remaining: int
    recipients: list[str]


def due_alerts(session: Session, *, today: date, window: int) -> Iterator[Alert]:
    """Reminders for steps due within ``window`` working days (to the owing office) and
    escalations for overdue ones (to it and its supervising bureau): at most one of each per
    clock and day, none on rest days. The caller records each and commits."""
    lookup = calendar.lookup(session)
    if not is_working_day(today, lookup):
        return
    for clock in list(
        session.exec(select(CaseClock).where(CaseClock.status == ClockStatus.running))
    ):
        remaining = rules.remaining_days(clock.due_on, today, clock.unit, lookup)
        kind = rules.alert_for(remaining, window=window)
        if (
            kind is None
            or session.exec(
                select(ClockAlert).where(
                    ClockAlert.clock_id == clock.id,
                    ClockAlert.kind == kind,
                    ClockAlert.sent_on == today,
                )
            ).first()
        ):
            continue
        case = session.get(Case, clock.case_id)
        session.add(ClockAlert(clock_id=clock.id, kind=kind, sent_on=today, remaining=remaining))
        recipients = [clock.owing_office]
        if kind == "escalation":
            owing = session.get(Office, clock.owing_office)
            recipients += [owing.supervisor] if owing and owing.supervisor else []
        yield Alert(clock, rule_for(case.kind, clock.step), kind, remaining, recipients)


def sweep_acknowledgements(session: Session, *, today: date) -> dict[str, int]:
    """Remind, then escalate, notifications nobody acknowledged in time (``[acknowledgement]``
    in config/sla.toml); at most one of each per notification and day."""
    lookup = calendar.lookup(session)
    rule = ack_rule()
    counts = {"ack_reminder": 0, "ack_escalation": 0}
    if not is_working_day(today, lookup):
        return counts
    waiting = session.exec(
        select(Notification).where(
            Notification.requires_ack,
            Notification.acknowledged_at.is_(None),
            Notification.delivered_at.is_not(None),
        )
    )
    for item in list(waiting):
        delivered_on = item.delivered_at.astimezone(LOCAL_TZ).date()
        due = rules.due_after(delivered_on, rule.days, rule.unit, lookup).date
        kind = rules.ack_alert_for(-rules.remaining_days(due, today, rule.unit, lookup), rule)
        if (
            kind is None
            or session.exec(
                select(AckAlert).where(
                    AckAlert.notification_id == item.id,
                    AckAlert.kind == kind,
                    AckAlert.sent_on == today,
                )
            ).first()
        ):
            continue
        session.add(AckAlert(notification_id=item.id, kind=kind, sent_on=today))
        recipients = [item.recipient_office]
        if kind == "escalation":
            office = session.get(Office, item.recipient_office)
            recipients += [office.supervisor] if office and office.supervisor else []
        for office_code in recipients:
            notifications.enqueue(
                session,
                event=f"ack.{kind}",
                case_id=item.case_id,
                recipient_office=office_code,
                sender_office=None,
                title=in_working_language(
                    N_("To acknowledge (due %(due)s): %(title)s"), due=due, title=item.title
                ),
            )
        counts[f"ack_{kind}"] += 1
        session.commit()
    return counts


DIGEST_JOB = "digest"


def send_digests(session: Session, *, today: date | None = None, window: int = 2) -> int:
    """The morning e-mail of each office on working days: new requests since the last working
    day, steps due soon, steps overdue. One digest job per office and day, written however
    often this runs (its key says office and day); the worker writes the e-mail. Returns the
    number of jobs written now."""
    today = today or local_today()
    if not is_working_day(today, calendar.lookup(session)):
        return 0
    written = 0
    for office in offices.operational_offices(session):
        job = jobs.enqueue(
            session,
            DIGEST_JOB,
            key=f"digest:{office.code}:{today.isoformat()}",
            payload={"office": office.code, "day": today.isoformat(), "window": window},
        )
        written += job is not None
    session.commit()
    return written


@jobs.job_type(DIGEST_JOB)
def write_digest(session: Session, payload: dict) -> None:
    """One office's morning e-mail of one day (nothing when there is nothing to say)."""
    office = session.get(Office, payload["office"])
    today = date.fromisoformat(payload["day"])
    window = int(payload["window"])
    lookup = calendar.lookup(session)
    since = end_of_day(_previous_working_day(today, lookup))
    title = in_working_language(
        N_("Daily reminder %(day)s: %(office)s"), day=today.isoformat(), office=office.name
    )
    new = list(
        session.exec(
            select(Case)
            .where(Case.receiving_office == office.code, Case.created_at > since)
            .order_by(Case.id)
        )
    )
    soon, late = [], []
    for clock in session.exec(
        select(CaseClock).where(
            CaseClock.owing_office == office.code, CaseClock.status == ClockStatus.running
        )
    ):
        remaining = rules.remaining_days(clock.due_on, today, clock.unit, lookup)
        if remaining < 0:
            late.append((clock, remaining))
        elif remaining <= window:
            soon.append((clock, remaining))
    if not (new or soon or late):
        return
    lines = [
        in_working_language(
            N_("%(new)s received, %(soon)s due soon, %(late)s overdue."),
            new=len(new),
            soon=len(soon),
            late=len(late),
        ),
        "",
    ]
    lines += [
        in_working_language(N_("Received: %(number)s %(title)s"), number=c.number, title=c.title)
        for c in new
    ]
    for clock, remaining in soon:
        case = session.get(Case, clock.case_id)
        lines.append(
            in_working_language(
                N_("Due soon (%(n)s working days left, %(due)s): %(number)s %(title)s"),
                n=remaining,
                due=clock.due_on,
                number=case.number,
                title=case.title,
            )
        )
    for clock, remaining in late:
        case = session.get(Case, clock.case_id)
        lines.append(
            in_working_language(
                N_("%(n)s days overdue (due %(due)s): %(number)s %(title)s"),
                n=-remaining,
                due=clock.due_on,
                number=case.number,
                title=case.title,
            )
        )
    notifications.enqueue(
        session,
        event="digest",
        recipient_office=office.code,
        sender_office=None,
        title=title,
        body="\n".join(lines),
        only_channels=("email",),
    )


def _previous_working_day(day: date, lookup) -> date:
    from datetime import timedelta

    day -= timedelta(days=1)
    while not is_working_day(day, lookup):
        day -= timedelta(days=1)
    return day
