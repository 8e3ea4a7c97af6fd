"""POST/DELETE /api/v1/auth/token."""

from __future__ import annotations

from flask import Response, g

from service.accounts import service
from service.accounts.models import TokenRead, TokenRequest
from service.accounts.throttle import login_throttle
from service.api.core import json_response, operation, settings
from service.api.problems import domain_problem
from service.audit.service import client_ip
from service.db import get_session
from service.errors import TooManyAttempts
from service.i18n import local_time


@operation(
    "/auth/token",
    "POST",
    summary="Issue a bearer token",
    tag="auth",
    body=TokenRequest,
    response=TokenRead,
    auth=False,
    errors=(401, 422, 429),
)
def issue_token(body: TokenRequest) -> Response:
    db = get_session()
    cfg = settings()
    try:
        user = service.authenticate(
            db,
            username=body.username,
            password=body.password,
            ip=client_ip(),
            throttle=login_throttle(),
        )
    except TooManyAttempts as error:
        response = domain_problem(error)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    token, row = service.issue_token(
        db, user=user, ttl_hours=cfg.api_token_ttl_hours, ip=client_ip()
    )
    return json_response(TokenRead(access_token=token, expires_at=local_time(row.expires_at)))


@operation(
    "/auth/token", "DELETE", summary="Revoke the token used", tag="auth", status=204, errors=(401,)
)
def revoke_token() -> Response:
    service.revoke_token(get_session(), token_row=g.api_token, user=g.api_user, ip=client_ip())
    return Response(status=204)
