"""Offices, supervising bureaus and cooperation agreements (loaded from config/)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlmodel import Field, SQLModel


class Office(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=200)
    short_name: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # "office" or "bureau"
    division_code: str = Field(max_length=6)
    pool_code: str = Field(default="", max_length=6)
    supervisor: str | None = Field(default=None, foreign_key="office.code", max_length=32)
    number_prefix: str = Field(max_length=4)
    # Where notification e-mails to the office go (besides users who opted in); may be empty.
    duty_email: str = Field(default="", max_length=255)


class Agreement(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=200)
    office_a: str = Field(foreign_key="office.code", max_length=32)
    office_b: str = Field(foreign_key="office.code", max_length=32)
    valid_from: date
    valid_to: date


class OfficeRead(BaseModel):
    code: str
    name: str
    division_code: str
    pool_code: str
    supervisor: str | None
