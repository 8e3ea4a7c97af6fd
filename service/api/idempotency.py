"""Idempotent creation, for every creating endpoint: a retry with the same ``Idempotency-Key``
and the same body returns what the first request created instead of creating it again.

The key is stored in the same commit as the resource (``Idempotency.remember``), so a request
that failed half-way left no key behind, and a retry that races the first one meets the unique
constraint and answers with the winner's resource.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import json, request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from service.api.core import Header
from service.api.models import IdempotencyRecord, find_record
from service.errors import N_, FieldError, ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# Visible ASCII, no spaces (a UUID, a hash, an order number): what the document says, exactly.
KEY_PATTERN = f"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"
KEY_HEADER = Header(
    "A retry with the same key and body returns what the first request created.",
    {"type": "string", "pattern": KEY_PATTERN},
)
T = TypeVar("T")


@dataclass(frozen=True)
class Idempotency:
    user_id: int
    key: str
    request_hash: str

    def remember(self, session: Session, *, resource_type: str, resource_id: int) -> None:
        """Store the key with what it created; part of the creating transaction."""
        session.add(
            IdempotencyRecord(
                user_id=self.user_id,
                key=self.key,
                request_hash=self.request_hash,
                resource_type=resource_type,
                resource_id=resource_id,
            )
        )


def _request_hash() -> str:
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = raw
    return hashlib.sha256(canonical).hexdigest()


def from_request(user_id: int) -> Idempotency | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not re.fullmatch(KEY_PATTERN, key):
        raise ValidationFailed(
            errors=[
                FieldError(
                    HEADER,
                    N_("1 to %(max)s visible ASCII characters without spaces, e.g. a UUID."),
                    {"max": MAX_KEY_LENGTH},
                )
            ]
        )
    return Idempotency(user_id, key, _request_hash())


def _replayed(session: Session, idem: Idempotency, resource_type: str) -> int | None:
    record = find_record(session, user_id=idem.user_id, key=idem.key)
    if record is None:
        return None
    if record.request_hash != idem.request_hash or record.resource_type != resource_type:
        raise ValidationFailed(
            errors=[
                FieldError(HEADER, N_("This key was already used with a different request body."))
            ]
        )
    return record.resource_id


def create_once(
    session: Session,
    *,
    user_id: int,
    resource_type: str,
    create: Callable[[Idempotency | None], T],
    load: Callable[[int], T],
) -> tuple[T, bool]:
    """``create(idempotency)`` once per key; returns the resource and whether it is a replay."""
    idem = from_request(user_id)
    if idem is not None:
        found = _replayed(session, idem, resource_type)
        if found is not None:
            return load(found), True
    try:
        return create(idem), False
    except IntegrityError:
        # The same key raced in from a parallel retry: answer with what that one created.
        session.rollback()
        found = _replayed(session, idem, resource_type) if idem is not None else None
        if found is None:
            raise
        return load(found), True
