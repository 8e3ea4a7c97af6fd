"""Relation transfers' own reads and writes beyond the case core: the 信息表 the transfer-out
office issues, shown to the party offices with its verification code (each view audited)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from service.accounts.models import User
from service.audit import service as audit
from service.cases import service as cases
from service.cases.models import CaseEvent
from service.db import LOCAL_TZ
from service.errors import N_, Conflict, NotFound
from service.offices.models import Office
from service.transfers import rules
from service.transfers.models import TransferCase, read_details


def info_form(
    session: Session,
    *,
    actor: User,
    case_id: int,
    secret_key: str,
    ip: str = "",
    action: str = "transfer.info_form",
) -> dict:
    """The issued form of a transfer the actor's office may see, signed; the view is audited
    (it carries the person's full ID number) as ``action`` (``transfer.info_form_pdf`` for the
    PDF's download)."""
    case = cases.get_visible(session, actor=actor, case_id=case_id)
    row = session.get(TransferCase, case.id) if case.kind == "transfer" else None
    if row is None:
        raise NotFound(N_("No such case."))
    if case.business_status not in rules.ISSUED:
        raise Conflict(N_("The information form has not been issued yet."))
    issued = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == "issue_form")
        .order_by(CaseEvent.at.desc())
    ).first()
    out_office = session.get(Office, row.transfer_out_office)
    in_office = session.get(Office, row.transfer_in_office)
    details = read_details(row)
    content = {
        "title": rules.INFO_FORM_TITLE,
        "case_number": case.number,
        "issued_by": {"code": out_office.code, "name": out_office.name},
        "issued_on": _local_date(issued.at),
        "transfer_in_office": {"code": in_office.code, "name": in_office.name},
        "person": details["person"],
        "scheme_out": details["scheme_out"],
        "scheme_in": details["scheme_in"],
        "suspended_on": details["suspended_on"],
        "reason": details["reason"],
        "periods": details["periods"],
        "account_balance": details["account_balance"],
    }
    audit.record(
        session,
        action=action,
        object_type="case",
        object_id=case.id,
        user=actor,
        ip=ip,
        number=case.number,
    )
    session.commit()
    return rules.signed_form(content, secret_key=secret_key)


def _local_date(at: datetime) -> str:
    """Stored UTC (naive) → the date in Asia/Shanghai."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ).date().isoformat()
