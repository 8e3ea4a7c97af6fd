"""Cases of every kind over JSON: create (idempotent), read with ETag, list, timeline, actions
with If-Match."""

from __future__ import annotations

import re
from typing import Annotated

from flask import Response, request
from pydantic import BaseModel, ConfigDict, Field

from service.accounts.service import users_by_id
from service.api import idempotency
from service.api.core import Deferred, Header, api_user, json_response, operation
from service.audit.service import client_ip
from service.cases import flows, service
from service.cases.kinds import registry
from service.cases.models import ActionRequest, Case, CasePage, CaseRead, TimelineEntry
from service.db import MAX_ROW_ID, get_session
from service.errors import N_, FieldError, ValidationFailed
from service.i18n import local_time
from service.validation import CleanText


class CaseQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: Annotated[CleanText | None, Field(max_length=32)] = None
    status: Annotated[CleanText | None, Field(max_length=32)] = None
    # business_status: a step of ``kind`` (its business_steps), or of any kind without one
    step: Annotated[CleanText | None, Field(max_length=64)] = None
    office: Annotated[CleanText | None, Field(max_length=32)] = None
    overdue: bool | None = None
    waiting: bool | None = None  # only cases waiting for the caller's office to act
    q: Annotated[CleanText | None, Field(max_length=100)] = None
    cursor: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    limit: int = Field(default=20, ge=1, le=100)


def case_read(case: Case, users: dict | None = None, *, with_details: bool = True) -> CaseRead:
    """The API's view of a case; ``users``: the readers already loaded (one query per page)."""
    db = get_session()
    if users is None:
        users = users_by_id(db, {case.received_by})
    kind = service.kind_of(case)
    details = None
    if with_details and kind.read_details is not None:
        details = kind.read_details(service.details_of(db, case))
        if kind.personal_fields and not service.sees_in_full(db, case, api_user()):
            details = service.masked(details, kind.personal_fields)
    return CaseRead(
        id=case.id,
        number=case.number,
        kind=case.kind,
        title=case.title,
        description=case.description,
        status=case.status,
        business_status=case.business_status,
        filing_office=case.filing_office,
        owner_office=case.owner_office,
        receiving_office=case.receiving_office,
        version=case.version,
        due_at=local_time(case.due_at),
        details=details,
        received_at=local_time(case.received_at),
        received_by=users[case.received_by].display_name if case.received_by else None,
        created_at=local_time(case.created_at),
        updated_at=local_time(case.updated_at),
    )


def _case_response(case: Case, status: int = 200, headers: dict | None = None) -> Response:
    return json_response(case_read(case), status, {"ETag": f'"{case.version}"', **(headers or {})})


@operation(
    "/cases",
    "POST",
    summary="File a case (body discriminated on kind)",
    tag="cases",
    body=Deferred(lambda: registry().create_type()),
    response=CaseRead,
    status=201,
    headers={idempotency.HEADER: idempotency.KEY_HEADER},
    errors=(401, 403, 409, 422),
)
def create_case(body) -> Response:
    db = get_session()
    user = api_user()
    case, replayed = idempotency.create_once(
        db,
        user_id=user.id,
        resource_type="case",
        create=lambda idem: flows.file_case(
            db, actor=user, data=body, ip=client_ip(), idempotency=idem
        ),
        load=lambda case_id: db.get(Case, case_id),
    )
    headers = {"Location": f"/api/v1/cases/{case.id}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return _case_response(case, 201, headers)


@operation(
    "/cases",
    "GET",
    summary="Cases the caller's office is party to",
    tag="cases",
    query=CaseQuery,
    response=CasePage,
    errors=(401, 422),
)
def list_cases(params: CaseQuery) -> Response:
    # Like kind and status, a step no case is at simply lists nothing.
    flt = service.CaseFilter(
        kind=params.kind,
        status=params.status,
        step=params.step or None,
        office=params.office,
        q=params.q,
        overdue=bool(params.overdue),
        waiting=bool(params.waiting),
    )
    rows, next_cursor = service.list_cases(
        get_session(), actor=api_user(), flt=flt, cursor=params.cursor, limit=params.limit
    )
    readers = users_by_id(get_session(), {c.received_by for c in rows})
    return json_response(
        CasePage(
            items=[case_read(c, readers, with_details=False) for c in rows],
            next_cursor=str(next_cursor) if next_cursor else None,
        )
    )


@operation(
    "/cases/<id:case_id>",
    "GET",
    summary="One case",
    tag="cases",
    response=CaseRead,
    errors=(401, 404),
)
def get_case(case_id: int) -> Response:
    case = flows.open_case(get_session(), actor=api_user(), case_id=case_id, ip=client_ip())
    return _case_response(case)


@operation(
    "/cases/<id:case_id>/timeline",
    "GET",
    summary="The case's timeline",
    tag="cases",
    response=list[TimelineEntry],
    errors=(401, 404),
)
def get_timeline(case_id: int) -> Response:
    db = get_session()
    case = service.get_visible(db, actor=api_user(), case_id=case_id)
    events = service.timeline(db, case=case)
    users = users_by_id(db, {e.actor_id for e in events})
    return json_response(
        [
            TimelineEntry(
                at=local_time(e.at),
                office=e.office_code,
                actor=users[e.actor_id].username if e.actor_id else None,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.note,
                previous=e.previous,
            )
            for e in events
        ]
    )


# The ETags the service issues, "<version>", also as a proxy may have weakened them (W/"3").
ETAG_PATTERN = '^(?:W/)?"([1-9][0-9]{0,9})"$'
IF_MATCH = Header(
    "The case's ETag; a stale one gets 412.", {"type": "string", "pattern": ETAG_PATTERN}
)


def _if_match() -> int | None:
    """The version named by ``If-Match``; None without the header. Anything but one ETag the
    service issued (``*``, a list, ``"2_0"``, ``"+2"``, an unquoted or a full-width number) is
    refused: the client cannot have meant it, and acting on it would skip the check."""
    value = request.headers.get("If-Match")
    if value is None:
        return None
    found = re.fullmatch(ETAG_PATTERN, value.strip())
    if found is None:
        raise ValidationFailed(
            errors=[FieldError("If-Match", N_('Must be the case\'s ETag, e.g. "3".'))]
        )
    return int(found.group(1))


@operation(
    "/cases/<id:case_id>/actions/<action>",
    "POST",
    summary="Take an action on a case",
    tag="cases",
    body=ActionRequest,
    response=CaseRead,
    headers={"If-Match": IF_MATCH},
    errors=(401, 403, 404, 409, 412, 422),
)
def take_action(case_id: int, action: str, body: ActionRequest) -> Response:
    case = flows.act(
        get_session(),
        actor=api_user(),
        case_id=case_id,
        action=action,
        reason=body.reason,
        note=body.note,
        expected_version=_if_match(),
        changes={"title": body.title, "description": body.description},
        ip=client_ip(),
    )
    return _case_response(case)
