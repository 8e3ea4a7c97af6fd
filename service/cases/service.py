"""Case transactions: filing, opening, acting and listing, each with its timeline event,
audit entry and outbox rows in one commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, false, func, or_, update
from sqlmodel import Session, select

from service.accounts.models import Role, User
from service.api.models import IdempotencyRecord
from service.audit import service as audit
from service.cases import rules
from service.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseParty,
    GeneralCaseCreate,
    case_facts,
)
from service.cases.rules import Side, Status
from service.db import LOCAL_TZ, utcnow
from service.errors import N_, Forbidden, NotFound, PreconditionFailed
from service.notifications import service as notifications
from service.offices import service as offices
from service.offices.models import Office
from service.sla import service as sla

# Chinese texts of the notifications an event sends (the offices' working language).
EVENT_TITLES = {
    "case.requested": "{office}发来协办请求：{number} {title}",
    "case.resubmitted": "{office}已补正并重新提交：{number} {title}",
    "case.received": "{office}已查阅：{number} {title}",
    "case.accepted": "{office}已受理：{number} {title}",
    "case.rejected": "{office}不予受理：{number} {title}",
    "case.returned": "{office}退回补正：{number} {title}",
    "case.cancelled": "{office}已撤回：{number} {title}",
    "case.completed": "{office}已办结：{number} {title}",
    "case.on_hold": "{office}已中止办理（暂停计时）：{number} {title}",
    "case.resumed": "{office}已恢复办理：{number} {title}",
}
ACTION_EVENTS = {
    "receive": "case.received",
    "accept": "case.accepted",
    "reject": "case.rejected",
    "return": "case.returned",
    "resubmit": "case.resubmitted",
    "cancel": "case.cancelled",
    "complete": "case.completed",
    "start": "case.started",
    "hold": "case.on_hold",
    "resume": "case.resumed",
}


def visibility(session: Session, actor: User):
    """SQL condition: cases the actor's office is party to (bureaus: of the offices under them)."""
    if actor.role == Role.admin:
        return false()
    codes = offices.overseen_offices(session, office_code=actor.office_code)
    return exists().where(CaseParty.case_id == Case.id, CaseParty.office_code.in_(codes))


def _next_number(session: Session, office: Office) -> str:
    # The year on the number is the year in Asia/Shanghai, not in UTC.
    year = utcnow().astimezone(LOCAL_TZ).year
    counter = session.exec(
        select(CaseCounter)
        .where(CaseCounter.office_code == office.code, CaseCounter.year == year)
        .with_for_update()
    ).one_or_none()
    if counter is None:
        counter = CaseCounter(office_code=office.code, year=year, last=0)
    counter.last += 1
    session.add(counter)
    session.flush()
    return rules.case_number(office.number_prefix, year, counter.last)


def _event(
    session: Session,
    case: Case,
    actor: User | None,
    action: str,
    from_status: str | None,
    note: str = "",
    office: str | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        office_code=office or (actor.office_code if actor else case.owner_office),
        actor_id=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
    )
    session.add(event)
    return event


def _notify(session: Session, case: Case, *, event: str, to_office: str, from_office: str) -> None:
    sender = session.get(Office, from_office)
    template = EVENT_TITLES.get(event)
    if template is None:
        return
    notifications.enqueue(
        session,
        event=event,
        case_id=case.id,
        recipient_office=to_office,
        sender_office=from_office,
        title=template.format(office=sender.short_name, number=case.number, title=case.title),
        body=case.description[:500],
    )


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    request_hash: str


def file_general_request(
    session: Session,
    *,
    actor: User,
    data: GeneralCaseCreate,
    ip: str = "",
    idempotency: IdempotencyKey | None = None,
) -> Case:
    """File a 一般协办事项; with ``idempotency`` the key is stored in the same commit."""
    if actor.role not in rules.CASE_WORKER_ROLES:
        raise Forbidden(N_("Your role may not file requests."))
    receiver = offices.require_partner(
        session,
        office_code=data.receiving_office,
        field="receiving_office",
        own_office=actor.office_code,
    )
    filer = session.get(Office, actor.office_code)
    now = utcnow()
    case = Case(
        number=_next_number(session, filer),
        kind="general",
        title=data.title,
        description=data.description,
        filing_office=filer.code,
        owner_office=filer.code,
        receiving_office=receiver.code,
        status=Status.requested,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    session.add(CaseParty(case_id=case.id, office_code=filer.code, role=Side.filer))
    session.add(CaseParty(case_id=case.id, office_code=receiver.code, role=Side.receiver))
    _event(session, case, actor, "file", None)
    sla.on_status_change(session, case=case, from_status=None, to_status=case.status)
    audit.record(
        session,
        action="case.file",
        object_type="case",
        object_id=case.id,
        user=actor,
        ip=ip,
        number=case.number,
        receiving_office=receiver.code,
    )
    _notify(session, case, event="case.requested", to_office=receiver.code, from_office=filer.code)
    if idempotency is not None:
        session.add(
            IdempotencyRecord(
                user_id=actor.id,
                key=idempotency.key,
                request_hash=idempotency.request_hash,
                resource_type="case",
                resource_id=case.id,
            )
        )
    session.commit()
    return case


def get_visible(session: Session, *, actor: User, case_id: int) -> Case:
    case = session.exec(
        select(Case).where(Case.id == case_id, visibility(session, actor))
    ).one_or_none()
    if case is None:
        raise NotFound(N_("No such case."))
    return case


def open_case(session: Session, *, actor: User, case_id: int, ip: str = "") -> Case:
    """The case as the actor sees it; the receiving office's first look is the read receipt."""
    case = get_visible(session, actor=actor, case_id=case_id)
    changed = False
    if (
        case.status == Status.requested
        and case.received_at is None
        and actor.office_code == case.receiving_office
        and actor.role in rules.CASE_WORKER_ROLES
    ):
        _apply(session, case, actor=actor, action="receive", ip=ip)
        changed = True
    if actor.office_code in (case.filing_office, case.receiving_office, case.owner_office):
        read = notifications.mark_case_items_read(session, actor=actor, case_id=case.id)
        changed = changed or read > 0
    if changed:
        session.commit()
    return case


def act(
    session: Session,
    *,
    actor: User,
    case_id: int,
    action: str,
    reason: str = "",
    note: str = "",
    expected_version: int | None = None,
    title: str | None = None,
    description: str | None = None,
    ip: str = "",
) -> Case:
    case = session.exec(
        select(Case).where(Case.id == case_id, visibility(session, actor)).with_for_update()
    ).one_or_none()
    if case is None:
        raise NotFound(N_("No such case."))
    if expected_version is not None and expected_version != case.version:
        raise PreconditionFailed(
            N_("The case is at version %(current)s, not %(expected)s: reload it and try again."),
            current=case.version,
            expected=expected_version,
        )
    if action == "resubmit":
        if title:
            case.title = title
        if description is not None:
            case.description = description
    _apply(session, case, actor=actor, action=action, reason=reason, note=note, ip=ip)
    session.commit()
    return case


def _apply(
    session: Session,
    case: Case,
    *,
    actor: User,
    action: str,
    reason: str = "",
    note: str = "",
    ip: str = "",
) -> None:
    transition = rules.check_action(
        case_facts(case), office=actor.office_code, role=actor.role, action=action, reason=reason
    )
    from_status = case.status
    now = utcnow()
    # Optimistic lock: a concurrent change of the same version makes this update match no row.
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == case.version)
        .values(version=Case.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise PreconditionFailed(
            N_("The case was changed by someone else: reload it and try again.")
        )
    case.version += 1
    case.status = transition.target
    case.updated_at = now
    if transition.owner_becomes is not None:
        case.owner_office = rules.office_for(case_facts(case), transition.owner_becomes)
        session.merge(CaseParty(case_id=case.id, office_code=case.owner_office, role=Side.owner))
    if action == "receive":
        case.received_at, case.received_by = now, actor.id
    session.add(case)
    sla.on_status_change(
        session, case=case, from_status=from_status, to_status=case.status, reason=reason
    )
    text = "\n".join(part for part in (reason, note) if part)
    _event(session, case, actor, action, from_status, text)
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
    if transition.notify is not None:
        recipient = rules.office_for(case_facts(case), transition.notify)
        if recipient != actor.office_code:
            _notify(
                session,
                case,
                event=ACTION_EVENTS[action],
                to_office=recipient,
                from_office=actor.office_code,
            )


@dataclass
class CaseFilter:
    kind: str | None = None
    status: str | None = None
    office: str | None = None
    q: str | None = None
    open_only: bool = False
    overdue: bool = False
    by_urgency: bool = False  # most urgent deadline first


def _filtered(session: Session, actor: User, flt: CaseFilter):
    query = select(Case).where(visibility(session, actor))
    if flt.kind:
        query = query.where(Case.kind == flt.kind)
    if flt.status:
        query = query.where(Case.status == flt.status)
    if flt.open_only:
        query = query.where(Case.status.not_in([s.value for s in rules.FINAL]))
    if flt.office:
        query = query.where(
            or_(
                Case.filing_office == flt.office,
                Case.receiving_office == flt.office,
                Case.owner_office == flt.office,
            )
        )
    if flt.overdue:
        query = query.where(
            Case.due_at.is_not(None),
            Case.due_at < utcnow(),
            Case.status.not_in([s.value for s in rules.FINAL]),
        )
    if flt.q:
        pattern = f"%{flt.q.strip()}%"
        query = query.where(or_(Case.number.ilike(pattern), Case.title.ilike(pattern)))
    return query


def list_cases(
    session: Session, *, actor: User, flt: CaseFilter, cursor: int | None = None, limit: int = 20
) -> tuple[list[Case], int | None]:
    """Newest first, keyset-paginated on id."""
    query = _filtered(session, actor, flt)
    if cursor:
        query = query.where(Case.id < cursor)
    rows = list(session.exec(query.order_by(Case.id.desc()).limit(limit + 1)))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def count_cases(session: Session, *, actor: User, flt: CaseFilter) -> int:
    return session.exec(
        select(func.count()).select_from(_filtered(session, actor, flt).subquery())
    ).one()


def page_cases(
    session: Session, *, actor: User, flt: CaseFilter, page: int, per_page: int
) -> tuple[list[Case], int]:
    total = count_cases(session, actor=actor, flt=flt)
    query = _filtered(session, actor, flt)
    if flt.by_urgency:
        query = query.order_by(Case.due_at.is_(None), Case.due_at, Case.id.desc())
    else:
        query = query.order_by(Case.id.desc())
    rows = list(session.exec(query.offset((page - 1) * per_page).limit(per_page)))
    return rows, total


def waiting_condition(actor: User):
    """SQL condition: open cases where the actor's office owes the next step, derived from the
    transition table (the office is on the side that may take some action in that status)."""
    if actor.role not in rules.CASE_WORKER_ROLES:
        return false()
    column = {
        Side.filer: Case.filing_office,
        Side.receiver: Case.receiving_office,
        Side.owner: Case.owner_office,
    }
    clauses = [
        and_(column[t.by] == actor.office_code, Case.status.in_([s.value for s in t.sources]))
        for t in (rules.TRANSITIONS[a] for a in rules.USER_ACTIONS)
        if t.action != "cancel"  # the filer may always withdraw; that is not "waiting for it"
    ]
    return or_(*clauses)


def count_waiting(session: Session, *, actor: User) -> int:
    return session.exec(
        select(func.count()).select_from(Case).where(waiting_condition(actor))
    ).one()


def timeline(session: Session, *, case: Case) -> list[CaseEvent]:
    return list(
        session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.at, CaseEvent.id)
        )
    )


def actions_for(case: Case, actor: User) -> list[str]:
    return rules.available_actions(case_facts(case), office=actor.office_code, role=actor.role)


def users_by_id(session: Session, ids: set[int | None]) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))}
