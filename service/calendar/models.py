"""The admin override table: days whose status the official source gets wrong or does not know."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from service.db import utcnow


class CalendarOverride(SQLModel, table=True):
    """One day of an official holiday notice (节假日安排通知), entered by an administrator.

    Overrides win over chinesecalendar; a year with at least one of them counts as covered.
    """

    day: date = Field(primary_key=True)
    is_workday: bool  # True: working day (e.g. a make-up workday, 调休上班); False: rest day
    # the official notice it comes from, e.g. 国办发明电〔2025〕7号
    notice: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="user.id")
