"""The person a relation case is about, and their insured periods: shared by the kinds that
carry them (transfer, registration, retiree). Validation messages name the field and say what
is wrong in a clerk's words; identifiers are checked by ``service.identifiers``."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from service import identifiers
from service.errors import N_
from service.validation import SchemaPattern, clean_text, rule_error

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")


def _citizen_id(value: str) -> str:
    try:
        return identifiers.citizen_id(value)
    except identifiers.InvalidIdentifier as error:
        raise rule_error(error.message, **error.params) from None


def _month(value: str) -> str:
    if not MONTH.match(value):
        raise rule_error(N_("A month is written YYYY-MM, e.g. 2026-03."))
    return value


def _phone(value: str) -> str:
    if value and not PHONE.match(value):
        raise rule_error(N_("A phone number has digits only (and + - ( ) or spaces)."))
    return value


def _yuan(value: str) -> str:
    """Money in yuan as a string with two decimals ("1234.50"), never a float."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise rule_error(N_("An amount in yuan, e.g. 1234.50.")) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise rule_error(N_("An amount in yuan, e.g. 1234.50."))
    if amount >= Decimal("1e10"):
        raise rule_error(N_("At most %(max)s yuan."), max="9999999999.99")
    return f"{amount:.2f}"


# Each type's JSON schema states its shape (the API document and its fuzzing read it); what no
# schema can state — an ID's check character, a real birth date — its validator checks.
CitizenId = Annotated[
    clean_text(strip_whitespace=True, max_length=18),
    AfterValidator(_citizen_id),
    SchemaPattern(r"^[0-9]{17}[0-9Xx]$"),
]
Month = Annotated[
    clean_text(strip_whitespace=True, max_length=7),
    AfterValidator(_month),
    SchemaPattern(MONTH.pattern),
]
Phone = Annotated[
    clean_text(strip_whitespace=True, max_length=20),
    AfterValidator(_phone),
    SchemaPattern(r"^([0-9+\-() ]{5,20})?$"),
]
Yuan = Annotated[
    clean_text(strip_whitespace=True, max_length=14),
    AfterValidator(_yuan),
    SchemaPattern(r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"),
]
Years = Annotated[Decimal, Field(ge=0, le=80, max_digits=4, decimal_places=1)]
PoolCode = clean_text(strip_whitespace=True, min_length=6, max_length=6)
PersonName = clean_text(strip_whitespace=True, min_length=1, max_length=50)


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: PersonName
    id_number: CitizenId
    phone: Phone = ""


class InsuredPeriod(BaseModel):
    """Insured months in one pool, with the years they count for (actual and deemed 视同)."""

    model_config = ConfigDict(extra="forbid")
    pool_code: PoolCode
    start: Month
    end: Month
    actual_years: Years
    deemed_years: Years = Decimal("0")

    @field_validator("end")
    @classmethod
    def _in_order(cls, end: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and end < start:
            raise rule_error(N_("The period ends before it starts."))
        return end


def month_start(month: str) -> date:
    year, number = month.split("-")
    return date(int(year), int(number), 1)
