"""Case flows: each step of a case as one transaction — the case row, its timeline, its clocks
and due date, the audit entry and the notifications it causes (the outbox) commit together.

Views, API handlers and tasks call these; the features they compose (``cases.service``,
``sla.service``, ``notifications``, ``audit``) never write each other's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session

from service.accounts.models import User
from service.audit import service as audit
from service.audit.models import AuditEntry
from service.cases import rules
from service.cases import service as cases
from service.cases.kinds import registry
from service.cases.models import Case, CaseEvent
from service.db import commit_together, utcnow
from service.errors import N_, FieldError, Forbidden, PreconditionFailed, ValidationFailed
from service.i18n import in_working_language
from service.notifications import service as notifications
from service.notifications.models import Delivery
from service.sla import service as sla
from service.sla.models import CaseClock, ClockExtension

if TYPE_CHECKING:
    from service.api.idempotency import Idempotency


def _clocks(session: Session, case: Case, *, from_status: str | None, reason: str = "") -> None:
    due = sla.on_status_change(
        session,
        case=case,
        facts=cases.facts(session, case),
        from_status=from_status,
        to_status=case.status,
        reason=reason,
    )
    cases.set_due(session, case, due)


def file_case(
    session: Session,
    *,
    actor: User,
    data,
    ip: str = "",
    idempotency: Idempotency | None = None,
    attach: Callable[[Case], None] | None = None,
) -> Case:
    """File a case of any registered kind. ``attach`` adds evidence files in the same
    transaction; with ``idempotency`` the key is stored in the same commit."""
    case = file_uncommitted(session, actor=actor, data=data, ip=ip, reserve=True)
    if attach is not None:
        attach(case)
    if idempotency is not None:
        idempotency.remember(session, resource_type="case", resource_id=case.id)
    commit_together(session)
    return case


def file_uncommitted(
    session: Session, *, actor: User, data, ip: str = "", reserve: bool = False
) -> Case:
    """The case, its clocks, audit entry and notifications written, not committed: the caller
    commits it with what belongs to it (a batch commits many). With ``reserve`` the case's and
    its notifications' ids and its number are drawn first, in one round trip (a batch draws
    them for all its cases at once)."""
    kind = registry().get(data.kind)
    if actor.role not in kind.filing_roles:
        raise Forbidden(N_("Your role may not file requests."))
    notifications.read_offices(session)  # one read: the steps below find every office held
    with session.no_autoflush:  # the filing's rows are written together, when it commits
        filing = kind.prepare(session, actor, data)
        if reserve:  # the filing's rows below: at most these
            told = len({filing.receiving_office, *(office for office, _side in filing.parties)})
            rows = {
                CaseEvent: 1,
                AuditEntry: 1,
                CaseClock: len(kind.steps),
                Delivery: told * notifications.CHANNELS,
            }
            cases.reserve(session, actor.office_code, notifications=told, rows=rows)
        return _file(session, kind, filing, actor=actor, ip=ip)


def _file(session: Session, kind, filing, *, actor: User, ip: str) -> Case:
    case = cases.create(session, kind=kind, actor=actor, filing=filing)
    cases.record_event(session, case, actor=actor, action="file", from_status=None)
    _clocks(session, case, from_status=None)
    audit.record(
        session,
        action="case.file",
        object_type="case",
        object_id=case.id,
        user=actor,
        ip=ip,
        kind=kind.code,
        number=case.number,
        receiving_office=case.receiving_office,
    )
    # Every office the filing makes a party (the receiver, offices asked to assist) is told.
    cases.notify(
        session,
        case,
        action="file",
        to_offices=sorted(
            {office for office, _side in cases.parties_of(session, case.id)} - {actor.office_code}
        ),
        from_office=actor.office_code,
    )
    return case


def open_case(session: Session, *, actor: User, case_id: int, ip: str = "") -> Case:
    """The case as the actor sees it; the receiving office's first look is the read receipt,
    and opening it reads the office's inbox items about it."""
    case = cases.get_visible(session, actor=actor, case_id=case_id)
    facts = cases.facts(session, case)
    changed = False
    if _may_receive(case, facts, actor):
        _take(session, case, actor=actor, action="receive", ip=ip)
        changed = True
    if rules.sides_of(facts, actor.office_code):
        read = notifications.mark_case_items_read(session, actor=actor, case_id=case.id)
        changed = changed or read > 0
        personal = cases.kind_of(case).personal_fields
        if personal:  # a party office sees the person's identifiers in full: audited
            audit.record(
                session,
                action="case.view_personal_data",
                object_type="case",
                object_id=case.id,
                user=actor,
                ip=ip,
                fields=list(personal),
            )
            changed = True
    if changed:
        session.commit()
    return case


def _may_receive(case: Case, facts: rules.CaseFacts, actor: User) -> bool:
    t = cases.kind_of(case).workflow.transitions.get("receive")
    return (
        t is not None
        and case.received_at is None
        and actor.role in t.roles
        and bool(t.by & rules.sides_of(facts, actor.office_code))
        and facts.status in t.sources
    )


def act(
    session: Session,
    *,
    actor: User,
    case_id: int,
    action: str,
    reason: str = "",
    note: str = "",
    expected_version: int | None = None,
    changes: dict | None = None,
    ip: str = "",
    attach: Callable[[Case], None] | None = None,
) -> Case:
    """Take ``action`` on a case. ``changes``: the fields a resubmission corrects (the kind's
    ``resubmit_fields``); the text they replace is kept in the timeline."""
    case = cases.get_visible(session, actor=actor, case_id=case_id, lock=True)
    if expected_version is not None and expected_version != case.version:
        raise PreconditionFailed(
            N_("The case is at version %(current)s, not %(expected)s: reload it and try again."),
            current=case.version,
            expected=expected_version,
        )
    previous = None
    if action == "resubmit" and changes:
        previous = _correct(case, changes)
    _take(
        session,
        case,
        actor=actor,
        action=action,
        reason=reason,
        note=note,
        ip=ip,
        previous=previous,
    )
    if attach is not None:
        attach(case)
    session.commit()
    return case


def _correct(case: Case, changes: dict) -> dict | None:
    """Apply a resubmission's corrections; returns what they replaced (None: nothing changed)."""
    allowed = cases.kind_of(case).resubmit_fields
    previous = {}
    for name, value in changes.items():
        if name not in allowed or value is None:
            continue
        if name == "title" and not value.strip():
            raise ValidationFailed(
                errors=[FieldError("title", N_("This field must not be empty."))]
            )
        if getattr(case, name) != value:
            previous[name] = getattr(case, name)
            setattr(case, name, value)
    return previous or None


def _take(
    session: Session,
    case: Case,
    *,
    actor: User,
    action: str,
    reason: str = "",
    note: str = "",
    ip: str = "",
    previous: dict | None = None,
) -> None:
    kind = cases.kind_of(case)
    facts = cases.facts(session, case)
    transition = rules.check_action(
        kind.workflow,
        facts,
        office=actor.office_code,
        role=actor.role,
        action=action,
        reason=reason,
    )
    outcome = rules.outcome(transition, facts, acting_office=actor.office_code)
    from_status = case.status
    cases.apply(session, case, outcome=outcome)
    if action == "receive":
        case.received_at, case.received_by = utcnow(), actor.id
    _clocks(session, case, from_status=from_status, reason=reason)
    text = "\n".join(part for part in (reason, note) if part)
    cases.record_event(
        session,
        case,
        actor=actor,
        action=action,
        from_status=from_status,
        note=text,
        previous=previous,
    )
    audit.record(
        session,
        action=f"case.{action}",
        object_type="case",
        object_id=case.id,
        user=actor,
        ip=ip,
        from_status=from_status,
        to_status=case.status,
        reason=reason,
    )
    cases.notify(
        session,
        case,
        action=action,
        to_offices=outcome.notify,
        from_office=actor.office_code,
        body=text or None,
    )


# --- deadlines -----------------------------------------------------------------------------


def request_extension(
    session: Session, *, actor: User, case: Case, reason: str, ip: str = ""
) -> ClockExtension:
    extension, clock = sla.request_extension(session, actor=actor, case=case, reason=reason)
    cases.record_event(
        session,
        case,
        actor=actor,
        action="extension_request",
        from_status=case.status,
        note=extension.reason,
    )
    audit.record(
        session,
        action="sla.extension_request",
        object_type="case",
        object_id=case.id,
        user=actor,
        ip=ip,
        step=clock.step,
        reason=extension.reason,
    )
    notifications.enqueue(
        session,
        event="sla.extension_requested",
        case_id=case.id,
        recipient_office=actor.office_code,
        sender_office=actor.office_code,
        title=in_working_language(
            N_("Extension to approve: %(number)s %(title)s"), number=case.number, title=case.title
        ),
        body=extension.reason,
    )
    session.commit()
    return extension


def decide_extension(
    session: Session, *, actor: User, case: Case, extension_id: int, approve: bool, ip: str = ""
) -> ClockExtension:
    extension, clock = sla.decide_extension(
        session, actor=actor, case=case, extension_id=extension_id, approve=approve
    )
    cases.set_due(session, case, sla.nearest_due(session, case.id))
    action = "extension_approve" if approve else "extension_reject"
    note = str(extension.new_due_on) if approve else ""
    cases.record_event(
        session,
        case,
        actor=actor,
        action=action,
        from_status=case.status,
        note=note,
        office=clock.owing_office,
    )
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
    if approve:
        # The partner offices are told the new due date of the step owed to them.
        rule = sla.rule_for(case.kind, clock.step)
        facts = cases.facts(session, case)
        partners = sorted(
            {o for side in rules.SINGLE_SIDES for o in rules.offices_for(facts, side)}
            - {clock.owing_office}
        )
        for office in partners:
            notifications.enqueue(
                session,
                event="sla.extension_granted",
                case_id=case.id,
                recipient_office=office,
                sender_office=clock.owing_office,
                title=in_working_language(
                    N_("Deadline extended to %(due)s (%(step)s): %(number)s %(title)s"),
                    due=extension.new_due_on,
                    step=rule.title,
                    number=case.number,
                    title=case.title,
                ),
                body=extension.reason,
            )
    session.commit()
    return extension


def sweep_deadlines(session: Session, *, today: date | None = None, window: int = 2) -> dict:
    """Beat's deadline sweep: each reminder or escalation in the timeline and the inbox of the
    offices concerned, committed one by one; then unacknowledged notifications."""
    today = today or sla.local_today()
    counts = {"reminder": 0, "escalation": 0}
    if not sla.is_working_day_on(session, today):
        return counts
    for alert in sla.due_alerts(session, today=today, window=window):
        case = session.get(Case, alert.clock.case_id)
        due, step = alert.clock.due_on, alert.rule.title
        if alert.kind == "reminder":
            title = in_working_language(
                N_("Deadline reminder: %(number)s %(step)s, %(n)s working days left (due %(due)s)"),
                number=case.number,
                step=step,
                n=alert.remaining,
                due=due,
            )
            note = in_working_language(N_("%(step)s: due %(due)s"), step=step, due=due)
        else:
            title = in_working_language(
                N_("Overdue: %(number)s %(step)s, due %(due)s, %(n)s days overdue"),
                number=case.number,
                step=step,
                n=-alert.remaining,
                due=due,
            )
            note = in_working_language(
                N_("%(step)s: %(n)s days overdue"), step=step, n=-alert.remaining
            )
        cases.record_event(
            session,
            case,
            actor=None,
            action="remind" if alert.kind == "reminder" else "escalate",
            from_status=case.status,
            note=note,
            office=alert.clock.owing_office,
        )
        for office in alert.recipients:
            notifications.enqueue(
                session,
                event=f"sla.{alert.kind}",
                case_id=case.id,
                recipient_office=office,
                sender_office=None,
                title=title,
                requires_ack=alert.kind == "escalation",
            )
        counts[alert.kind] += 1
        session.commit()
    session.commit()
    counts.update(sla.sweep_acknowledgements(session, today=today))
    return counts
