"""Users, API tokens and the failed-login log used for throttling."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.db import utcnow
from service.validation import CleanText


class Role(StrEnum):
    clerk = "clerk"  # 经办员
    investigator = "investigator"  # 稽核员
    supervisor = "supervisor"  # 负责人
    regional_supervisor = "regional_supervisor"  # 市局/省局
    admin = "admin"


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=64)
    office_code: str = Field(foreign_key="office.code", max_length=32, index=True)
    role: str = Field(max_length=32)
    password_hash: str = Field(max_length=255)
    email: str = Field(default="", max_length=255)
    active: bool = True
    notify_by_email: bool = False  # also receive the office's notifications by e-mail
    created_at: datetime = Field(default_factory=utcnow)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(
        max_length=64, unique=True
    )  # sha256 hex; the token itself is never stored
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    __table_args__ = (
        Index("ix_loginfailure_username_at", "username", "at"),
        Index("ix_loginfailure_ip_at", "ip", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    ip: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow)


class TokenRequest(BaseModel):
    username: CleanText = PField(min_length=1, max_length=64)
    password: CleanText = PField(min_length=1, max_length=256)


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
