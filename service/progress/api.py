"""GET /api/v1/progress: the public progress lookup (no token), rate-limited per address."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import Response
from flask_babel import force_locale
from pydantic import BaseModel, ConfigDict, StringConstraints

from service.api.core import json_response, operation
from service.audit.service import client_ip
from service.db import get_session
from service.errors import N_, NotFound
from service.progress import rules
from service.progress import service as progress


class ProgressQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    number: Annotated[str, StringConstraints(pattern=rules.NUMBER_PATTERN)]
    id_tail: Annotated[str, StringConstraints(pattern=rules.TAIL_PATTERN)]


class ProgressRead(BaseModel):
    number: str
    kind: str
    kind_label: str
    step: str  # the business step's code, else the status
    step_label: str
    office: str  # the name of the office holding the case
    due_date: date | None


@operation(
    "/progress",
    "GET",
    summary="A case's progress for the insured person (case number and ID number's last six)",
    tag="progress",
    auth=False,
    query=ProgressQuery,
    response=ProgressRead,
    errors=(404, 422),
)
def progress_lookup(params: ProgressQuery) -> Response:
    found = progress.lookup(
        get_session(),
        number=params.number.upper(),
        id_tail=params.id_tail.upper(),
        ip=client_ip(),
        channel="api",
    )
    if found is None:
        raise NotFound(N_("No case matches this case number and ID number."))
    with force_locale("zh_CN"):
        return json_response(ProgressRead(**found.describe()))
