"""The registration's create data and its detail table (one row per case)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from service.cases.models import Description, OfficeCode
from service.people import Person, PoolCode

Action = Literal["register", "change", "cancel"]
Scheme = Literal["employee", "resident"]


class RegistrationCaseCreate(BaseModel):
    """参保登记: register, change or cancel a person's enrolment at the office where it is done."""

    model_config = ConfigDict(extra="forbid", title="RegistrationCaseCreate")
    kind: Literal["registration"]
    action: Action
    receiving_office: OfficeCode  # the office of ``pool_code`` that does the registration
    person: Person
    scheme: Scheme  # 险种: 职工 (employee) or 居民 (resident)
    pool_code: PoolCode  # the pool (统筹区) the person is registered in
    description: Description = ""


class RegistrationCase(SQLModel, table=True):
    """The registration's own columns; the case row holds the rest."""

    __tablename__ = "registrationcase"
    case_id: int = Field(foreign_key="case.id", primary_key=True)
    action: str = Field(max_length=16)
    person_name: str = Field(max_length=50)
    id_number: str = Field(max_length=18, index=True)
    phone: str = Field(default="", max_length=20)
    scheme: str = Field(max_length=16)
    pool_code: str = Field(max_length=6)


def read_details(row: RegistrationCase | None) -> dict:
    """The API's ``details``: the full ID number, since only party offices read a case."""
    if row is None:
        return {}
    return {
        "action": row.action,
        "person": {"name": row.person_name, "id_number": row.id_number, "phone": row.phone},
        "scheme": row.scheme,
        "pool_code": row.pool_code,
    }
