"""GET /api/v1/offices."""

from __future__ import annotations

from flask import Response

from service.api.core import json_response, operation
from service.db import get_session
from service.offices import service
from service.offices.models import OfficeRead


@operation(
    "/offices",
    "GET",
    summary="Offices and bureaus",
    tag="offices",
    response=list[OfficeRead],
    errors=(401,),
)
def list_offices() -> Response:
    return json_response(
        [
            OfficeRead.model_validate(o, from_attributes=True)
            for o in service.all_offices(get_session())
        ]
    )
