"""The case core's own rows: numbers, parties, the case row's state and the timeline, visibility
and lists. Every kind goes through these; ``flows.py`` composes them with clocks, notifications
and the audit trail into one transaction per step."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, false, func, or_, update
from sqlmodel import Session, select

from service import identifiers
from service.accounts.models import Role, User
from service.cases import rules
from service.cases.kinds import CaseKind, Filing, registry
from service.cases.models import Case, CaseCounter, CaseEvent, CaseParty
from service.cases.rules import CaseFacts, Side, Status
from service.db import (
    LOCAL_TZ,
    contains_pattern,
    reserve_ids,
    take_id,
    transaction_cache,
    utcnow,
)
from service.errors import N_, NotFound, PreconditionFailed
from service.i18n import in_working_language
from service.notifications import service as notifications
from service.notifications.models import Notification
from service.offices import service as offices
from service.offices.models import Office

FINAL_VALUES = [s.value for s in rules.FINAL]


def visibility(session: Session, actor: User):
    """SQL condition: cases the actor's office is party to (bureaus: of the offices under them)."""
    if actor.role == Role.admin:
        return false()
    codes = offices.overseen_offices(session, office_code=actor.office_code)
    return exists().where(CaseParty.case_id == Case.id, CaseParty.office_code.in_(codes))


def kind_of(case: Case) -> CaseKind:
    return registry().get(case.kind)


def parties_of(session: Session, case_id: int) -> list[tuple[str, str]]:
    """The case's (office, side) pairs; read once per transaction, kept current by the writes
    below (``create``, ``add_party``, an owner change in ``apply``)."""
    cache = transaction_cache(session, "case_parties")
    if case_id not in cache:
        cache[case_id] = {
            (p.office_code, p.role)
            for p in session.exec(select(CaseParty).where(CaseParty.case_id == case_id))
        }
    return sorted(cache[case_id])


def facts(session: Session, case: Case) -> CaseFacts:
    """The values the pure rules decide on."""
    kind = kind_of(case)
    flags = kind.flags(details_of(session, case)) if kind.flags is not None else ()
    return CaseFacts.build(
        case.kind, case.status, parties_of(session, case.id), case.business_status, flags
    )


def _year() -> int:
    return utcnow().astimezone(LOCAL_TZ).year


def _next_number(session: Session, office: Office) -> str:
    """The office's next case number of the year (the year in Asia/Shanghai, not in UTC)."""
    year = _year()
    if session.get_bind().dialect.name == "postgresql":
        pool = transaction_cache(session, "case_numbers").get((office.code, year))
        if not pool:
            reserve(session, office.code, cases=0)
            pool = transaction_cache(session, "case_numbers")[(office.code, year)]
        last = pool.pop()
    else:
        last = _count_in_transaction(session, office.code, year)
    return rules.case_number(office.number_prefix, year, last)


def reserve(
    session: Session,
    office_code: str,
    *,
    cases: int = 1,
    notifications: int = 0,
    rows: Mapping[type, int] | None = None,
) -> None:
    """PostgreSQL: draw, in one round trip, the ids of ``cases`` new cases, of
    ``notifications`` notifications and of the other ``rows`` (at most as many of each model as
    the transaction will write: what it does not use is left unused), and the office's next
    case numbers (at least one), for the filings this transaction is about to write.

    The numbers come from a sequence per office and year (``case_number_next``, migration
    0013), so one office's filings never wait on each other for a number (a counter row would
    stay locked until each filing commits). They are unique and in the order they were drawn;
    a filing that fails after drawing (a database error while it is written) leaves a gap — a
    refused filing draws none, its checks come first. SQLite draws nothing: there each number
    is counted in the filing's own transaction and each row gets its id from its flush."""
    if session.get_bind().dialect.name != "postgresql":
        return
    year = _year()
    drawn = reserve_ids(
        session,
        {**(rows or {}), Case: cases, Notification: notifications},
        also=(
            "SELECT 'number', case_number_next(CAST(:office AS text), CAST(:year AS integer))"
            " FROM generate_series(1, :numbers)"
        ),
        params={"office": office_code, "year": year, "numbers": max(cases, 1)},
    )
    pool = transaction_cache(session, "case_numbers").setdefault((office_code, year), [])
    pool[:0] = reversed(drawn["number"])  # taken from the end: the lowest first


def _count_in_transaction(session: Session, office_code: str, year: int) -> int:
    """SQLite: its writers take turns anyway (one write transaction at a time), so the counter
    is counted in the filing's own transaction and a failed filing leaves no gap."""
    held = transaction_cache(session, "case_counters")
    counter = held.get((office_code, year))
    if counter is None:
        counter = session.exec(
            select(CaseCounter).where(
                CaseCounter.office_code == office_code, CaseCounter.year == year
            )
        ).one_or_none() or CaseCounter(office_code=office_code, year=year, last=0)
        held[(office_code, year)] = counter
    counter.last += 1
    session.add(counter)  # written with the case
    return counter.last


def create(session: Session, *, kind: CaseKind, actor: User, filing: Filing) -> Case:
    """The case row, its parties and the kind's detail row, not committed: flushed, or with
    a reserved id (``db.reserve_ids``) left for the transaction's next flush."""
    filer = session.get(Office, actor.office_code)
    now = utcnow()
    case = Case(
        number=_next_number(session, filer),
        kind=kind.code,
        title=filing.title,
        description=filing.description,
        filing_office=filer.code,
        owner_office=filer.code,
        receiving_office=filing.receiving_office,
        status=Status.requested,
        business_status=filing.business_status,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    case.id = take_id(session, Case)
    session.add(case)
    reserved = case.id is not None
    if not reserved:
        session.flush()
    parties = {
        (filer.code, Side.filer),
        (filer.code, Side.owner),
        (filing.receiving_office, Side.receiver),
        *filing.parties,
    }
    for office, side in sorted(parties):
        session.add(CaseParty(case_id=case.id, office_code=office, role=side))
    transaction_cache(session, "case_parties")[case.id] = set(parties)
    if filing.details is not None:
        filing.details.case_id = case.id
        session.add(filing.details)
    if not reserved:
        session.flush()
    return case


def details_of(session: Session, case: Case):
    model = kind_of(case).detail_model
    return session.get(model, case.id) if model is not None else None


def sees_in_full(session: Session, case: Case, actor: User) -> bool:
    """Whether the actor's office is itself party to the case (not a bureau reading along):
    only then are a person's identifiers shown in full."""
    return bool(rules.sides_of(facts(session, case), actor.office_code))


def masked(details: dict, paths: tuple[str, ...]) -> dict:
    """``details`` with the identifiers at ``paths`` masked (5101**********123X)."""
    result = copy.deepcopy(details)
    for path in paths:
        *parents, name = path.split(".")
        node = result
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(name), str):
            node[name] = identifiers.mask_id(node[name])
    return result


def add_party(session: Session, case: Case, *, office: str, side: str) -> None:
    """Give ``office`` a part in the case (an assisting office, a designating bureau)."""
    if session.get(CaseParty, (case.id, office, side)) is None:
        session.add(CaseParty(case_id=case.id, office_code=office, role=side))
    transaction_cache(session, "case_parties").pop(case.id, None)


def apply(session: Session, case: Case, *, outcome: rules.Outcome) -> None:
    """Move the case row to the outcome of a transition, guarded by its version: a concurrent
    change of the same version makes this update match no row."""
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
    case.status = outcome.status
    case.business_status = outcome.business_status
    case.updated_at = utcnow()
    if outcome.owner is not None and outcome.owner != case.owner_office:
        session.execute(
            delete(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == Side.owner)
        )
        session.add(CaseParty(case_id=case.id, office_code=outcome.owner, role=Side.owner))
        transaction_cache(session, "case_parties").pop(case.id, None)
        case.owner_office = outcome.owner
    session.add(case)


def set_due(session: Session, case: Case, due_at: datetime | None) -> None:
    case.due_at = due_at
    session.add(case)


def record_event(
    session: Session,
    case: Case,
    *,
    actor: User | None,
    action: str,
    from_status: str | None,
    note: str = "",
    office: str | None = None,
    previous: dict | None = None,
) -> CaseEvent:
    """A timeline entry: who did what, from which status to which (the case's current one)."""
    event = CaseEvent(
        case_id=case.id,
        office_code=office or (actor.office_code if actor else case.owner_office),
        actor_id=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        previous=previous,
    )
    session.add(event)
    return event


def notify(
    session: Session,
    case: Case,
    *,
    action: str,
    to_offices: list[str] | tuple[str, ...],
    from_office: str,
    body: str | None = None,
) -> None:
    """Tell ``to_offices`` about ``action`` in the words the case's kind gives it."""
    text = kind_of(case).events.get(action)
    if text is None:
        return
    sender = session.get(Office, from_office)
    title = in_working_language(
        text.title, office=sender.short_name, number=case.number, title=case.title
    )
    for office in to_offices:
        notifications.enqueue(
            session,
            event=text.event,
            case_id=case.id,
            recipient_office=office,
            sender_office=from_office,
            title=title,
            body=(case.description if body is None else body)[:500],
        )


def get_visible(session: Session, *, actor: User, case_id: int, lock: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id, visibility(session, actor))
    case = session.exec(query.with_for_update() if lock else query).one_or_none()
    if case is None:
        raise NotFound(N_("No such case."))
    return case


@dataclass
class CaseFilter:
    kind: str | None = None
    status: str | None = None
    step: str | None = None  # business_status: a step of the kind's own (its business_steps)
    office: str | None = None
    q: str | None = None
    open_only: bool = False
    overdue: bool = False
    waiting: bool = False  # only cases waiting for the actor's office
    by_urgency: bool = False  # most urgent deadline first


def _filtered(session: Session, actor: User, flt: CaseFilter):
    query = select(Case).where(visibility(session, actor))
    if flt.kind:
        query = query.where(Case.kind == flt.kind)
    if flt.status:
        query = query.where(Case.status == flt.status)
    if flt.step:
        query = query.where(Case.business_status == flt.step)
    if flt.open_only:
        query = query.where(Case.status.not_in(FINAL_VALUES))
    if flt.office:
        query = query.where(
            exists().where(CaseParty.case_id == Case.id, CaseParty.office_code == flt.office)
        )
    if flt.overdue:
        query = query.where(
            Case.due_at.is_not(None), Case.due_at < utcnow(), Case.status.not_in(FINAL_VALUES)
        )
    if flt.waiting:
        query = query.where(waiting_condition(actor))
    if flt.q:
        pattern = contains_pattern(flt.q.strip())
        query = query.where(
            or_(Case.number.ilike(pattern, escape="\\"), Case.title.ilike(pattern, escape="\\"))
        )
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
    """SQL condition: open cases where the actor's office owes the next step, derived from every
    kind's transition table (the office plays a side that may take an action in that state)."""
    clauses = []
    for kind in registry():
        for t in kind.workflow.transitions.values():
            if t.automatic or not t.waits or actor.role not in t.roles:
                continue
            clause = and_(
                Case.kind == kind.code,
                Case.status.in_([s.value for s in t.sources]),
                exists().where(
                    CaseParty.case_id == Case.id,
                    CaseParty.office_code == actor.office_code,
                    CaseParty.role.in_(sorted(t.by)),
                ),
            )
            if t.business_from is not None:
                clause = and_(clause, Case.business_status.in_(sorted(t.business_from)))
            clauses.append(clause)
    return or_(*clauses) if clauses else false()


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


def actions_for(session: Session, case: Case, actor: User) -> list[str]:
    return rules.available_actions(
        kind_of(case).workflow, facts(session, case), office=actor.office_code, role=actor.role
    )
