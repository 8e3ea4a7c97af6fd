"""The retiree case's create data and its detail row: the inputs as filed and the assessment
computed from them (kept, so a later change of config/pools.toml does not rewrite a case)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic import Field as PField
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service.cases.models import Description, OfficeCode
from service.errors import N_
from service.people import InsuredPeriod, Person
from service.validation import rule_error


def _date(value: object) -> object:
    """A date written YYYY-MM-DD (a ``date`` passes as it is)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise rule_error(N_("A date is written YYYY-MM-DD, e.g. 2026-03-01."))


Date = Annotated[date, BeforeValidator(_date)]


class RetireeCaseCreate(BaseModel):
    """退休人员缴费年限核定: the contribution years a person reaching retirement has across
    pools, checked against the settling pool's minimum by the office that settles."""

    model_config = ConfigDict(extra="forbid", title="RetireeCaseCreate")
    kind: Literal["retiree"]
    # the settling office; may be left out when the settling pool has one office
    receiving_office: OfficeCode | None = None
    person: Person
    sex: Literal["male", "female"]
    birth_date: Date
    retirement_date: Date
    periods: Annotated[list[InsuredPeriod], PField(min_length=1, max_length=20)]
    description: Description = ""


class RetireeCase(SQLModel, table=True):
    """One row per retiree case: the inputs as filed and the assessment made at filing."""

    case_id: int = Field(foreign_key="case.id", primary_key=True)
    person_name: str = Field(max_length=50)
    id_number: str = Field(max_length=18, index=True)
    phone: str = Field(default="", max_length=20)
    sex: str = Field(max_length=8)
    birth_date: date
    retirement_date: date
    # [{"pool_code", "start", "end", "actual_years", "deemed_years"}], years as strings
    periods: list = Field(sa_column=Column(JSON, nullable=False))
    total_years: Decimal = Field(max_digits=6, decimal_places=1)
    minimum_years: Decimal = Field(max_digits=6, decimal_places=1)
    shortfall_years: Decimal = Field(max_digits=6, decimal_places=1)
    settling_pool: str = Field(max_length=6)
    settling_office: str = Field(foreign_key="office.code", max_length=32)
    minimum_confidence: str = Field(max_length=1)  # L, R or C: of the pool's minimum
    settlement_confidence: str = Field(max_length=1)  # of the rule that chose the pool
