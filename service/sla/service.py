"""SLA clocks in transactions: started, paused, resumed and stopped with the case's status,
extended with a supervisor's approval, and swept daily for reminders and escalations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from sqlmodel import Session, select

from config import CONFIG_DIR
from service.accounts.models import Role, User
from service.audit import service as audit
from service.calendar import service as calendar
from service.calendar.rules import is_working_day
from service.cases import rules as case_rules
from service.cases.models import Case, CaseEvent, case_facts
from service.db import LOCAL_TZ, utcnow
from service.errors import N_, Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from service.notifications import service as notifications
from service.notifications.models import Notification
from service.offices.models import Office
from service.sla import rules
from service.sla.models import AckAlert, CaseClock, ClockAlert, ClockExtension

ACTIVE = ("running", "paused")


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
    session: Session, *, case: Case, from_status: str | None, to_status: str, reason: str = ""
) -> None:
    """Start, pause, resume or stop the case's step clocks; part of the caller's transaction."""
    clocks = {c.step: c for c in active_clocks(session, case.id)}
    changes = rules.clock_changes(
        step_rules(),
        kind=case.kind,
        from_status=from_status,
        to_status=to_status,
        running={s for s, c in clocks.items() if c.status == "running"},
        paused={s for s, c in clocks.items() if c.status == "paused"},
    )
    if not changes:
        return
    lookup = calendar.lookup(session)
    today, now = local_today(), utcnow()
    for change in changes:
        rule = rule_for(case.kind, change.step)
        clock = clocks.get(change.step)
        if change.change == "start":
            due = rules.due_after(today, rule.days, rule.unit, lookup)
            owing = case_rules.office_for(case_facts(case), rule.owed_by)
            session.add(
                CaseClock(
                    case_id=case.id,
                    step=rule.step,
                    owing_office=owing,
                    unit=rule.unit,
                    days=rule.days,
                    started_at=now,
                    due_on=due.date,
                    provisional=due.provisional,
                )
            )
        elif change.change == "pause":
            clock.status, clock.paused_at, clock.pause_reason = "paused", now, reason
        elif change.change == "resume":
            shifted = rules.shift_for_pause(
                clock.due_on, clock.paused_at.astimezone(LOCAL_TZ).date(), today, rule.unit, lookup
            )
            clock.due_on, clock.provisional = shifted.date, clock.provisional or shifted.provisional
            clock.status, clock.paused_at = "running", None
        else:
            remaining = rules.remaining_days(clock.due_on, today, rule.unit, lookup)
            clock.status = "met" if remaining >= 0 else "breached"
            clock.overdue_days = max(0, -remaining)
            clock.stopped_at = now
        if clock is not None:
            session.add(clock)
    session.flush()
    _refresh_due(session, case)


def _refresh_due(session: Session, case: Case) -> None:
    running = [c for c in active_clocks(session, case.id) if c.status == "running"]
    case.due_at = end_of_day(min(c.due_on for c in running)) if running else None
    session.add(case)


@dataclass
class ClockView:
    clock: CaseClock
    rule: rules.StepRule
    remaining: int | None  # None while paused or stopped
    pending_extension: ClockExtension | None


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
            if clock.status == "running"
            else None
        )
        pending = session.exec(
            select(ClockExtension).where(
                ClockExtension.clock_id == clock.id, ClockExtension.status == "requested"
            )
        ).first()
        views.append(ClockView(clock, rule, remaining, pending))
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
        select(CaseClock).where(CaseClock.case_id.in_(ids), CaseClock.status == "running")
    ):
        days = rules.remaining_days(clock.due_on, today, clock.unit, lookup)
        if clock.case_id not in result or days < result[clock.case_id][0]:
            result[clock.case_id] = (days, clock.unit)
    return result


def _event(
    session: Session, case: Case, *, office: str, actor: User | None, action: str, note: str
) -> None:
    session.add(
        CaseEvent(
            case_id=case.id,
            office_code=office,
            actor_id=actor.id if actor else None,
            action=action,
            from_status=case.status,
            to_status=case.status,
            note=note,
        )
    )


def _clock_for_extension(session: Session, case: Case, actor: User) -> CaseClock:
    for clock in active_clocks(session, case.id):
        if clock.owing_office == actor.office_code:
            return clock
    raise Conflict(N_("Your office has no running deadline on this case to extend."))


def request_extension(
    session: Session, *, actor: User, case: Case, reason: str, ip: str = ""
) -> ClockExtension:
    if actor.role not in case_rules.CASE_WORKER_ROLES:
        raise Forbidden(N_("Your role may not request extensions."))
    if not reason.strip():
        raise ValidationFailed(
            errors=[FieldError("reason", N_("A reason is required for this action."))]
        )
    clock = _clock_for_extension(session, case, actor)
    rule = rule_for(case.kind, clock.step)
    if rule.extension_days < 1:
        raise Conflict(N_("This deadline cannot be extended."))
    if (
        clock.extended
        or session.exec(
            select(ClockExtension).where(
                ClockExtension.clock_id == clock.id, ClockExtension.status == "requested"
            )
        ).first()
    ):
        raise Conflict(N_("An extension of this deadline was already requested."))
    extension = ClockExtension(
        clock_id=clock.id, requested_by=actor.id, reason=reason.strip(), days=rule.extension_days
    )
    session.add(extension)
    session.flush()
    _event(
        session,
        case,
        office=actor.office_code,
        actor=actor,
        action="extension_request",
        note=reason.strip(),
    )
    audit.record(
        session,
        action="sla.extension_request",
        object_type="case",
        object_id=case.id,
        user=actor,
        ip=ip,
        step=clock.step,
        reason=reason.strip(),
    )
    notifications.enqueue(
        session,
        event="sla.extension_requested",
        case_id=case.id,
        recipient_office=actor.office_code,
        sender_office=actor.office_code,
        title=f"延期申请待负责人审批：{case.number} {case.title}",
        body=reason.strip(),
    )
    session.commit()
    return extension


def decide_extension(
    session: Session, *, actor: User, case: Case, extension_id: int, approve: bool, ip: str = ""
) -> ClockExtension:
    extension = session.get(ClockExtension, extension_id)
    clock = session.get(CaseClock, extension.clock_id) if extension else None
    if extension is None or clock is None or clock.case_id != case.id:
        raise NotFound()
    if actor.role != Role.supervisor or actor.office_code != clock.owing_office:
        raise Forbidden(N_("Only a supervisor of the office that owes the step may decide."))
    if extension.status != "requested":
        raise Conflict(N_("This extension was already decided."))
    now = utcnow()
    extension.status = "approved" if approve else "rejected"
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
    _refresh_due(session, case)
    action = "extension_approve" if approve else "extension_reject"
    note = str(extension.new_due_on) if approve else ""
    _event(session, case, office=actor.office_code, actor=actor, action=action, note=note)
    audit.record(
        session,
        action=f"sla.{action}",
        object_type="case",
        object_id=case.id,
        user=actor,
        ip=ip,
        step=clock.step,
        new_due_on=note,
    )
    session.commit()
    return extension


def sweep(session: Session, *, today: date | None = None, window: int = 2) -> dict[str, int]:
    """Remind the owing office when a step is due within ``window`` working days, escalate to
    it and its supervising bureau once overdue; at most one of each per clock and day, and
    nothing on rest days."""
    today = today or local_today()
    lookup = calendar.lookup(session)
    counts = {"reminder": 0, "escalation": 0}
    if not is_working_day(today, lookup):
        return counts
    for clock in list(session.exec(select(CaseClock).where(CaseClock.status == "running"))):
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
        rule = rule_for(case.kind, clock.step)
        session.add(ClockAlert(clock_id=clock.id, kind=kind, sent_on=today, remaining=remaining))
        if kind == "reminder":
            title = f"期限提醒：{case.number} {rule.title}，剩余 {remaining} 个工作日（{clock.due_on} 到期）"
            note = f"{rule.title}：{clock.due_on} 到期"
            recipients = [clock.owing_office]
        else:
            title = (
                f"已超期：{case.number} {rule.title}，{clock.due_on} 到期，已超期 {-remaining} 天"
            )
            note = f"{rule.title}：已超期 {-remaining} 天"
            owing = session.get(Office, clock.owing_office)
            recipients = [clock.owing_office] + (
                [owing.supervisor] if owing and owing.supervisor else []
            )
        _event(
            session,
            case,
            office=clock.owing_office,
            actor=None,
            action="remind" if kind == "reminder" else "escalate",
            note=note,
        )
        for office in recipients:
            notifications.enqueue(
                session,
                event=f"sla.{kind}",
                case_id=case.id,
                recipient_office=office,
                sender_office=None,
                title=title,
                requires_ack=kind == "escalation",
            )
        counts[kind] += 1
        session.commit()
    counts.update(_sweep_acknowledgements(session, today=today, lookup=lookup))
    return counts


def _sweep_acknowledgements(session: Session, *, today: date, lookup) -> dict[str, int]:
    rule = ack_rule()
    counts = {"ack_reminder": 0, "ack_escalation": 0}
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
                title=f"待确认收悉（{due} 到期）：{item.title}",
            )
        counts[f"ack_{kind}"] += 1
        session.commit()
    return counts


def send_digests(session: Session, *, today: date | None = None, window: int = 2) -> int:
    """The morning e-mail of each office on working days: new requests since the last working
    day, steps due soon, steps overdue. Once per office and day; e-mail only."""
    today = today or local_today()
    lookup = calendar.lookup(session)
    if not is_working_day(today, lookup):
        return 0
    since = end_of_day(_previous_working_day(today, lookup))
    sent = 0
    for office in session.exec(select(Office).where(Office.kind == "office").order_by(Office.code)):
        title = f"每日办理提醒 {today.isoformat()}：{office.name}"
        if session.exec(
            select(Notification).where(
                Notification.event == "digest",
                Notification.recipient_office == office.code,
                Notification.title == title,
            )
        ).first():
            continue
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
                CaseClock.owing_office == office.code, CaseClock.status == "running"
            )
        ):
            remaining = rules.remaining_days(clock.due_on, today, clock.unit, lookup)
            if remaining < 0:
                late.append((clock, remaining))
            elif remaining <= window:
                soon.append((clock, remaining))
        if not (new or soon or late):
            continue
        lines = [f"新收到 {len(new)} 件，即将到期 {len(soon)} 件，已超期 {len(late)} 件。", ""]
        lines += [f"新收到：{c.number} {c.title}" for c in new]
        for clock, remaining in soon:
            case = session.get(Case, clock.case_id)
            lines.append(
                f"即将到期（剩余 {remaining} 个工作日，{clock.due_on}）：{case.number} {case.title}"
            )
        for clock, remaining in late:
            case = session.get(Case, clock.case_id)
            lines.append(
                f"已超期 {-remaining} 天（{clock.due_on} 到期）：{case.number} {case.title}"
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
        sent += 1
    session.commit()
    return sent


def _previous_working_day(day: date, lookup) -> date:
    from datetime import timedelta

    day -= timedelta(days=1)
    while not is_working_day(day, lookup):
        day -= timedelta(days=1)
    return day
