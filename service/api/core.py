"""The API blueprint and the ``operation`` decorator that also records each route for OpenAPI."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, json, request
from pydantic import BaseModel, TypeAdapter, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from service.accounts import service as accounts
from service.accounts.models import User
from service.attachments.rules import human_size
from service.bodies import NestedTooDeeply
from service.db import get_session
from service.errors import (
    N_,
    BadRequest,
    ContentTooLarge,
    DomainError,
    FieldError,
    Unauthorized,
    UnsupportedMediaType,
)
from service.validation import domain_error_from

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")


@dataclass(frozen=True)
class Header:
    """A request header an operation reads: what it is for and the JSON schema of the values
    the handler accepts (the document states exactly those)."""

    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    body: Any = None
    response: Any = None
    status: int = 200
    auth: bool = True
    query: type[BaseModel] | None = None
    headers: dict[str, Header] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    multipart: dict[str, str] | None = None  # a multipart/form-data body: file field → description
    file_response: tuple[str, ...] = ()  # the answer is a file of one of these media types


OPERATIONS: list[Operation] = []


class Deferred:
    """A body type decided when it is first needed, not at import: the union of the case kinds
    registered by then."""

    def __init__(self, get: Callable[[], Any]) -> None:
        self.get = get


def resolve(annotation: Any) -> Any:
    return annotation.get() if isinstance(annotation, Deferred) else annotation


_ADAPTERS: dict[int, tuple[Any, TypeAdapter]] = {}


def adapter(annotation: Any) -> TypeAdapter:
    """One TypeAdapter per body type (building one costs more than validating with it)."""
    annotation = resolve(annotation)
    cached = _ADAPTERS.get(id(annotation))
    if cached is None or cached[0] is not annotation:
        cached = _ADAPTERS[id(annotation)] = (annotation, TypeAdapter(annotation))
    return cached[1]


def api_user() -> User:
    return g.api_user


def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            N_("Send “Authorization: Bearer <token>”; get a token from /api/v1/auth/token.")
        )
    found = accounts.user_for_token(get_session(), token.strip())
    if found is None:
        raise Unauthorized(N_("The token is invalid, expired or revoked."))
    g.api_user, g.api_token = found


def parse_body(model: Any) -> Any:
    if not request.mimetype or request.mimetype != "application/json":
        raise UnsupportedMediaType(
            errors=[FieldError("body", N_("Send a JSON body with Content-Type: application/json."))]
        )
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise ContentTooLarge(
            errors=[
                FieldError(
                    "body",
                    N_("The body is larger than %(max)s."),
                    {"max": human_size(request.max_content_length or 0)},
                )
            ]
        ) from None
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except NestedTooDeeply:
        raise BadRequest(
            errors=[FieldError("body", N_("The JSON is nested too deeply."))]
        ) from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest(errors=[FieldError("body", N_("The body is not valid JSON."))]) from None
    if data is None:
        raise BadRequest(errors=[FieldError("body", N_("A JSON body is required."))])
    try:
        return adapter(model).validate_python(data)
    except ValidationError as exc:
        raise domain_error_from(exc) from None


def require_multipart() -> None:
    """A file upload comes as multipart/form-data; the handler reads ``request.files`` itself,
    after it has set the request's size limit."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            errors=[FieldError("body", N_("Send the file as multipart/form-data."))]
        )


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    elif isinstance(payload, list):
        payload = [p.model_dump(mode="json") if isinstance(p, BaseModel) else p for p in payload]
    response = Response(
        json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def operation(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    body: Any = None,
    response: Any = None,
    status: int = 200,
    auth: bool = True,
    query: type[BaseModel] | None = None,
    headers: dict[str, Header] | None = None,
    errors: tuple[int, ...] = (),
    multipart: dict[str, str] | None = None,
    file_response: tuple[str, ...] = (),
) -> Callable:
    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def view(**kwargs: Any) -> Response:
            from service.api.problems import domain_problem

            session = get_session()
            try:
                if auth:
                    _authenticate()
                if body is not None:
                    kwargs["body"] = parse_body(body)
                if multipart is not None:
                    require_multipart()
                if query is not None:
                    try:
                        kwargs["params"] = query.model_validate(request.args.to_dict())
                    except ValidationError as exc:
                        raise domain_error_from(exc) from None
                return fn(**kwargs)
            except DomainError as error:
                session.rollback()
                return domain_problem(error)

        OPERATIONS.append(
            Operation(
                rule,
                method,
                fn.__name__,
                summary,
                tag,
                body,
                response,
                status,
                auth,
                query,
                headers or {},
                errors,
                multipart,
                file_response,
            )
        )
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        return view

    return decorate


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def settings():
    return current_app.config["REFERRAL"]
