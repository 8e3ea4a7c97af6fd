"""Evidence files (附件/证据材料) attached to a case: the row that describes one stored file, and
its API representation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from service.db import utcnow


class CaseAttachment(SQLModel, table=True):
    """One file on a case. ``name`` is what the uploader called it, for display only; the bytes
    live under ``storage_key`` (random) in the attachment folder."""

    __table_args__ = (Index("ix_caseattachment_case_at", "case_id", "uploaded_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    name: str = Field(max_length=255)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=100)
    storage_key: str = Field(max_length=64, unique=True)
    uploaded_at: datetime = Field(default_factory=utcnow)
    uploaded_by: int = Field(foreign_key="user.id")
    office_code: str = Field(foreign_key="office.code", max_length=32)


class AttachmentRead(BaseModel):
    id: int
    name: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: datetime
    uploaded_by: str


class AttachmentList(BaseModel):
    items: list[AttachmentRead]
