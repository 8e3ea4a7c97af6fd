"""Writing audit entries; always inside the transaction of the change they record."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlmodel import Session

from service.audit.models import AuditEntry


def record(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: object = "",
    user: Any = None,
    ip: str = "",
    **detail: Any,
) -> AuditEntry:
    entry = AuditEntry(
        user_id=getattr(user, "id", None),
        office_code=getattr(user, "office_code", None),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ip=ip or "",
        detail=detail,
    )
    session.add(entry)
    return entry


def client_ip() -> str:
    """The address a request came from, as the audit trail records it ("" outside requests)."""
    return (request.remote_addr or "") if has_request_context() else ""
