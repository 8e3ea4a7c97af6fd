"""problem+json (RFC 9457) responses; titles in Chinese, fields named."""

from __future__ import annotations

from flask import Response, json
from flask_babel import force_locale, gettext
from werkzeug.exceptions import HTTPException

from service.errors import N_, DomainError
from service.i18n import translate_error
from service.labels import FIELD

PROBLEM_BASE = "https://referral.example/problems/"

HTTP_TITLES = {
    400: N_("Bad request"),
    401: N_("Authentication required"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflicts with the current state"),
    412: N_("The case was changed by someone else"),
    413: N_("Request body too large"),
    415: N_("Unsupported media type"),
    422: N_("Some fields are not valid"),
    429: N_("Too many requests"),
    500: N_("Internal error"),
}


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str = "",
    errors: list | None = None,
    headers: dict | None = None,
) -> Response:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def domain_problem(error: DomainError) -> Response:
    with force_locale("zh_CN"):
        errors = [
            {
                "field": e.field,
                "message": translate_error(e.message, e.params),
                "label": str(FIELD.get(e.field, e.field)),
            }
            for e in error.errors
        ]
        detail = translate_error(error.message, error.params)
        if errors:
            detail = "；".join(f"{e['label']}：{e['message']}" for e in errors)
        title = gettext(error.title)
    headers = {"WWW-Authenticate": 'Bearer realm="referral"'} if error.status == 401 else None
    return problem(error.status, error.slug, title, detail, errors or None, headers)


def http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    with force_locale("zh_CN"):
        title = gettext(HTTP_TITLES.get(status, N_("Bad request")))
    slug = {
        404: "not-found",
        405: "method-not-allowed",
        413: "too-large",
        415: "unsupported-media-type",
    }.get(status, "http-error")
    # Werkzeug's headers for the error, such as the Allow of a 405, go with the problem.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem(status, slug, title, headers=headers)
