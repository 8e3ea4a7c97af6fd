"""Users, their web sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import inspect as sa_inspect
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
        # Flask-Login's "alternative token": the key of the web session this object was opened
        # or loaded for (accounts.service), never the row id, so that deleting the session's
        # row logs that browser out while the user's other sessions go on.
        return sa_inspect(self).info[SESSION_KEY]


SESSION_KEY = "session_key"


class UserSession(SQLModel, table=True):
    """A browser logged in as a user: its cookie carries a random key, this row its hash.
    Logging out deletes the row; a password change or disabling the user deletes all of them."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    key_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the key
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ip: str = Field(default="", max_length=64)


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(
        max_length=64, unique=True
    )  # sha256 hex; the token itself is never stored
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class TokenRequest(BaseModel):
    username: CleanText = PField(min_length=1, max_length=64)
    password: CleanText = PField(min_length=1, max_length=256)


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
