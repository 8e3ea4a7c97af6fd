"""Case core shared by every kind, its timeline and the parties that may see it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from service.db import utcnow
from service.validation import clean_text


class Case(SQLModel, table=True):
    __table_args__ = (
        Index("ix_case_receiving_status", "receiving_office", "status"),
        Index("ix_case_filing_status", "filing_office", "status"),
        Index("ix_case_owner_status", "owner_office", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=32, index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    filing_office: str = Field(foreign_key="office.code", max_length=32)
    owner_office: str = Field(foreign_key="office.code", max_length=32)
    receiving_office: str = Field(foreign_key="office.code", max_length=32)
    status: str = Field(max_length=32)
    business_status: str | None = Field(default=None, max_length=64)
    version: int = 1
    due_at: datetime | None = None
    created_by: int = Field(foreign_key="user.id")
    received_at: datetime | None = None  # read receipt: first opened by the receiving office
    received_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CaseParty(SQLModel, table=True):
    """An office's part in a case (``rules.Side``: filer, receiver, owner, assisting,
    designating, or a side of the kind's own). An office with any part sees the case; one
    office may play several parts (the filer owns its case until someone accepts it)."""

    __table_args__ = (Index("ix_caseparty_office_case", "office_code", "case_id"),)
    case_id: int = Field(foreign_key="case.id", primary_key=True)
    office_code: str = Field(foreign_key="office.code", primary_key=True, max_length=32)
    role: str = Field(primary_key=True, max_length=16)


class CaseCounter(SQLModel, table=True):
    """Last number used per filing office and year (JN-2026-000042)."""

    office_code: str = Field(foreign_key="office.code", primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    last: int = 0


class CaseEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_caseevent_case_at", "case_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    at: datetime = Field(default_factory=utcnow)
    office_code: str = Field(foreign_key="office.code", max_length=32)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # What the step replaced, e.g. the title and description before a resubmission.
    previous: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


Title = clean_text(strip_whitespace=True, min_length=1, max_length=200)
Description = clean_text(strip_whitespace=True, max_length=5000)
OfficeCode = clean_text(strip_whitespace=True, min_length=1, max_length=32)
Note = clean_text(strip_whitespace=True, max_length=2000)


class CaseRead(BaseModel):
    id: int
    number: str
    kind: str
    title: str
    description: str
    status: str
    business_status: str | None
    filing_office: str
    owner_office: str
    receiving_office: str
    version: int
    due_at: datetime | None
    details: dict | None = None
    received_at: datetime | None
    received_by: str | None
    created_at: datetime
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseRead]
    next_cursor: str | None


class TimelineEntry(BaseModel):
    at: datetime
    office: str
    actor: str | None
    action: str
    from_status: str | None
    to_status: str | None
    note: str
    previous: dict | None = None


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Note = ""
    reason: Note = ""
    title: Title | None = None
    description: Description | None = None
