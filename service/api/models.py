"""Rows the API keeps for itself: idempotent creation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from service.db import utcnow


class IdempotencyRecord(SQLModel, table=True):
    """A creating POST seen before: the same key again returns the resource it created."""

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    resource_type: str = Field(max_length=32)
    resource_id: int
    created_at: datetime = Field(default_factory=utcnow)


def find_record(session: Session, *, user_id: int, key: str) -> IdempotencyRecord | None:
    return session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    ).one_or_none()
