"""The relation transfer's create data (the API body) and its detail row, one per case."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Column, Numeric
from sqlmodel import Field as SField
from sqlmodel import SQLModel

from service.cases.models import OfficeCode
from service.db import utcnow
from service.people import InsuredPeriod, Person, Yuan

Scheme = Literal["employee", "resident"]  # 职工 / 居民
Reason = Literal["employment", "household", "residence"]  # 就业 / 户籍 / 常住地变动

MAX_PERIODS = 20


class TransferCaseCreate(BaseModel):
    """基本医保关系转移接续: one of the two offices is the filer's own, the other receives."""

    model_config = ConfigDict(extra="forbid", title="TransferCaseCreate")
    kind: Literal["transfer"]
    transfer_out_office: OfficeCode
    transfer_in_office: OfficeCode
    person: Person
    scheme_out: Scheme
    scheme_in: Scheme
    suspended_on: date  # 中止参保 at the transfer-out side
    reason: Reason
    periods: list[InsuredPeriod] = Field(default_factory=list, max_length=MAX_PERIODS)
    account_balance: Yuan = "0.00"


class TransferCase(SQLModel, table=True):
    """The transfer's own columns; the person's number is kept in full (it is masked wherever
    it leaves a party office's case page)."""

    case_id: int = SField(foreign_key="case.id", primary_key=True)
    transfer_out_office: str = SField(foreign_key="office.code", max_length=32)
    transfer_in_office: str = SField(foreign_key="office.code", max_length=32)
    person_name: str = SField(max_length=50)
    id_number: str = SField(max_length=18, index=True)
    phone: str = SField(default="", max_length=20)
    scheme_out: str = SField(max_length=16)
    scheme_in: str = SField(max_length=16)
    suspended_on: date
    reason: str = SField(max_length=16)
    periods: list = SField(default_factory=list, sa_column=Column(JSON, nullable=False))
    account_balance: Decimal = SField(
        default=Decimal("0.00"), sa_column=Column(Numeric(12, 2), nullable=False)
    )

    @classmethod
    def from_create(cls, data: TransferCaseCreate) -> TransferCase:
        return cls(
            transfer_out_office=data.transfer_out_office,
            transfer_in_office=data.transfer_in_office,
            person_name=data.person.name,
            id_number=data.person.id_number,
            phone=data.person.phone,
            scheme_out=data.scheme_out,
            scheme_in=data.scheme_in,
            suspended_on=data.suspended_on,
            reason=data.reason,
            periods=[
                {
                    "pool_code": p.pool_code,
                    "start": p.start,
                    "end": p.end,
                    "actual_years": str(p.actual_years),
                    "deemed_years": str(p.deemed_years),
                }
                for p in data.periods
            ],
            account_balance=Decimal(data.account_balance),
        )


def read_details(row: TransferCase | None) -> dict:
    """The ``details`` of the API: shown only on a party office's case (never in lists)."""
    if row is None:
        return {}
    return {
        "transfer_out_office": row.transfer_out_office,
        "transfer_in_office": row.transfer_in_office,
        "person": {"name": row.person_name, "id_number": row.id_number, "phone": row.phone},
        "scheme_out": row.scheme_out,
        "scheme_in": row.scheme_in,
        "suspended_on": row.suspended_on.isoformat(),
        "reason": row.reason,
        "periods": list(row.periods),
        "account_balance": f"{Decimal(row.account_balance):.2f}",
    }


class TransferBatch(SQLModel, table=True):
    """An uploaded sheet of transfers between the same two offices (an employer relocating
    staff): checked row by row when uploaded, its valid rows filed afterwards."""

    id: int | None = SField(default=None, primary_key=True)
    office_code: str = SField(foreign_key="office.code", max_length=32, index=True)
    created_by: int = SField(foreign_key="user.id")
    created_at: datetime = SField(default_factory=utcnow)
    filename: str = SField(max_length=200)
    transfer_out_office: str = SField(foreign_key="office.code", max_length=32)
    transfer_in_office: str = SField(foreign_key="office.code", max_length=32)
    row_count: int = 0
    error_count: int = 0  # rows refused when checked (or when filed)
    filed_count: int = 0


class TransferBatchRow(SQLModel, table=True):
    """One person of a batch: the create data read from the sheet, what is wrong with it
    (``errors``: column key, msgid, params) and, once filed, its case."""

    id: int | None = SField(default=None, primary_key=True)
    batch_id: int = SField(foreign_key="transferbatch.id", index=True)
    row_number: int  # the line in the sheet, headers being line 1
    person_name: str = SField(default="", max_length=200)
    id_number: str = SField(default="", max_length=60)  # as typed; masked wherever shown
    data: dict = SField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    errors: list = SField(default_factory=list, sa_column=Column(JSON, nullable=False))
    refused: bool = False  # when checked, or when its filing was refused
    case_id: int | None = SField(default=None, foreign_key="case.id")
