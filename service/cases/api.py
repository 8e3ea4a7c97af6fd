"""Cases over JSON: create (idempotent), read with ETag, list, timeline, actions with If-Match."""

from __future__ import annotations

import hashlib
from typing import Annotated

from flask import Response, json, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from service import MAX_ROW_ID
from service.api.core import api_user, client_ip, json_response, operation
from service.api.models import find_record
from service.cases import service
from service.cases.models import ActionRequest, Case, CaseCreate, CasePage, CaseRead, TimelineEntry
from service.db import get_session
from service.errors import N_, FieldError, ValidationFailed
from service.i18n import local_time
from service.validation import CleanText, has_control_characters


class CaseQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: Annotated[CleanText | None, Field(max_length=32)] = None
    status: Annotated[CleanText | None, Field(max_length=32)] = None
    office: Annotated[CleanText | None, Field(max_length=32)] = None
    overdue: bool | None = None
    q: Annotated[CleanText | None, Field(max_length=100)] = None
    cursor: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    limit: int = Field(default=20, ge=1, le=100)


def case_read(case: Case, users: dict | None = None) -> CaseRead:
    """The API's view of a case; ``users``: the readers already loaded (one query per page)."""
    if users is None:
        users = service.users_by_id(get_session(), {case.received_by})
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
        received_at=local_time(case.received_at),
        received_by=users[case.received_by].display_name if case.received_by else None,
        created_at=local_time(case.created_at),
        updated_at=local_time(case.updated_at),
    )


def _case_response(case: Case, status: int = 200, headers: dict | None = None) -> Response:
    return json_response(case_read(case), status, {"ETag": f'"{case.version}"', **(headers or {})})


def _request_hash() -> str:
    try:
        canonical = json.dumps(json.loads(request.get_data()), sort_keys=True, ensure_ascii=False)
    except ValueError:
        canonical = request.get_data(as_text=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@operation(
    "/cases",
    "POST",
    summary="File a case (body discriminated on kind)",
    tag="cases",
    body=CaseCreate,
    response=CaseRead,
    status=201,
    headers={"Idempotency-Key": "A retry with the same key and body returns the first case."},
    errors=(401, 403, 422),
)
def create_case(body) -> Response:
    db = get_session()
    user = api_user()
    key = request.headers.get("Idempotency-Key", "").strip()
    idem = None
    if key:
        if len(key) > 200 or has_control_characters(key):
            raise ValidationFailed(
                errors=[
                    FieldError("Idempotency-Key", N_("At most %(max)s characters."), {"max": 200})
                ]
            )
        idem = service.IdempotencyKey(key, _request_hash())
        replay = _replay(user.id, idem)
        if replay is not None:
            return replay
    try:
        case = service.file_general_request(
            db, actor=user, data=body, ip=client_ip(), idempotency=idem
        )
    except IntegrityError:
        # The same key raced in from a parallel retry: answer with what that one created.
        db.rollback()
        replay = _replay(user.id, idem) if idem else None
        if replay is None:
            raise
        return replay
    return _case_response(case, 201, {"Location": f"/api/v1/cases/{case.id}"})


def _replay(user_id: int, idem) -> Response | None:
    db = get_session()
    record = find_record(db, user_id=user_id, key=idem.key)
    if record is None:
        return None
    if record.request_hash != idem.request_hash:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "Idempotency-Key",
                    N_("This key was already used with a different request body."),
                )
            ]
        )
    case = db.get(Case, record.resource_id)
    return _case_response(
        case, 201, {"Location": f"/api/v1/cases/{case.id}", "Idempotent-Replayed": "true"}
    )


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
    flt = service.CaseFilter(
        kind=params.kind,
        status=params.status,
        office=params.office,
        q=params.q,
        overdue=bool(params.overdue),
    )
    rows, next_cursor = service.list_cases(
        get_session(), actor=api_user(), flt=flt, cursor=params.cursor, limit=params.limit
    )
    readers = service.users_by_id(get_session(), {c.received_by for c in rows})
    return json_response(
        CasePage(
            items=[case_read(c, readers) for c in rows],
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
    case = service.open_case(get_session(), actor=api_user(), case_id=case_id, ip=client_ip())
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
    users = service.users_by_id(db, {e.actor_id for e in events})
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
            )
            for e in events
        ]
    )


def _if_match() -> int | None:
    value = request.headers.get("If-Match", "").strip()
    if not value or value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(
            errors=[FieldError("If-Match", N_('Must be the case\'s ETag, e.g. "3".'))]
        ) from None


@operation(
    "/cases/<id:case_id>/actions/<action>",
    "POST",
    summary="Take an action on a case",
    tag="cases",
    body=ActionRequest,
    response=CaseRead,
    headers={"If-Match": "The case's ETag; a stale one gets 412."},
    errors=(401, 403, 404, 409, 412, 422),
)
def take_action(case_id: int, action: str, body: ActionRequest) -> Response:
    case = service.act(
        get_session(),
        actor=api_user(),
        case_id=case_id,
        action=action,
        reason=body.reason,
        note=body.note,
        expected_version=_if_match(),
        title=body.title,
        description=body.description,
        ip=client_ip(),
    )
    return _case_response(case)
