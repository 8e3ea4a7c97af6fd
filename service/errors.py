"""The one family of domain errors; mapped once to form messages and once to problem+json.

Messages are English msgids marked with ``N_`` and translated at the edge (zh_CN by default),
so pure rules can raise them without importing Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker
    """Mark a message for extraction; translation happens where it is shown."""
    return message


@dataclass
class FieldError:
    field: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    status = 400
    slug = "bad-request"
    title = N_("Request cannot be processed")

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        **params: Any,
    ) -> None:
        self.message = message or self.title
        self.params = params
        self.errors = errors or []
        super().__init__(self.message % params if params else self.message)


class BadRequest(DomainError):
    status = 400
    slug = "bad-request"
    title = N_("Bad request")


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = N_("Not found")


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"
    title = N_("Authentication required")


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = N_("Not allowed")


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = N_("Conflicts with the current state")


class PreconditionFailed(DomainError):
    status = 412
    slug = "stale-version"
    title = N_("The case was changed by someone else")


class ContentTooLarge(DomainError):
    status = 413
    slug = "too-large"
    title = N_("Request body too large")


class UnsupportedMediaType(DomainError):
    status = 415
    slug = "unsupported-media-type"
    title = N_("Unsupported media type")


class ValidationFailed(DomainError):
    status = 422
    slug = "validation"
    title = N_("Some fields are not valid")


class TooManyAttempts(DomainError):
    status = 429
    slug = "too-many-attempts"
    title = N_("Too many failed attempts")

    def __init__(self, message: str | None = None, *, retry_after: int, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after  # seconds, for the Retry-After header
