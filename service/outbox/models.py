"""The outbox rows' shared columns, and the job table: the outbox of every worker job that is
not a notification's delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from service.db import utcnow


class OutboxRow(SQLModel):
    """What the engine (``service.outbox.engine``) keeps on every outbox row."""

    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_attempt_at: datetime | None = None


class Job(OutboxRow, table=True):
    """One piece of work of a registered type (``jobs.job_type``). ``key`` makes it idempotent:
    a second job with the same key is the first one. ``status``: queued, running (an attempt
    holds the lease), done, failed (retried at ``next_attempt_at``), dead."""

    __table_args__ = (Index("ix_job_pending", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(max_length=64)
    key: str = Field(max_length=200, unique=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    done_at: datetime | None = None
