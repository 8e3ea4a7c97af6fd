"""SLA clocks of case steps, their extensions and the reminders sent about them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import utcnow


class CaseClock(SQLModel, table=True):
    __table_args__ = (Index("ix_caseclock_status_due", "status", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    step: str = Field(max_length=32)
    owing_office: str = Field(foreign_key="office.code", max_length=32)
    unit: str = Field(max_length=16)  # working or calendar days
    days: int
    started_at: datetime = Field(default_factory=utcnow)
    due_on: date
    provisional: bool = False  # computed without the official holiday schedule
    status: str = Field(default="running", max_length=16)  # running, paused, met, breached
    paused_at: datetime | None = None
    pause_reason: str = Field(default="", max_length=2000)
    stopped_at: datetime | None = None
    overdue_days: int | None = None  # by how much it was breached
    extended: bool = False


class ClockExtension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    clock_id: int = Field(foreign_key="caseclock.id", index=True)
    requested_by: int = Field(foreign_key="user.id")
    requested_at: datetime = Field(default_factory=utcnow)
    reason: str = Field(max_length=2000)
    days: int
    status: str = Field(default="requested", max_length=16)  # requested, approved, rejected
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    new_due_on: date | None = None


class ClockAlert(SQLModel, table=True):
    """A reminder or escalation sent about a clock: at most one of each per clock and day."""

    __table_args__ = (UniqueConstraint("clock_id", "kind", "sent_on", name="uq_clockalert_day"),)
    id: int | None = Field(default=None, primary_key=True)
    clock_id: int = Field(foreign_key="caseclock.id")
    kind: str = Field(max_length=16)  # reminder, escalation
    sent_on: date
    remaining: int


class AckAlert(SQLModel, table=True):
    """A reminder or escalation about an unacknowledged notification: one of each per day."""

    __table_args__ = (
        UniqueConstraint("notification_id", "kind", "sent_on", name="uq_ackalert_day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id")
    kind: str = Field(max_length=16)
    sent_on: date
