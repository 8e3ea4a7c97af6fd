"""A person and their insured periods as the relation kinds take them: every mistake names
its field (by dotted path and index) and says what is wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from service.people import InsuredPeriod, Person, Yuan
from service.validation import domain_error_from


class Body(BaseModel):
    person: Person
    periods: list[InsuredPeriod]
    balance: Yuan = "0.00"


GOOD = {
    "person": {"name": "张三", "id_number": "11010519491231002x", "phone": "028-8888 6666"},
    "periods": [
        {"pool_code": "510100", "start": "2015-01", "end": "2026-06", "actual_years": 11.5}
    ],
    "balance": "1234.5",
}


def errors(data) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        Body.model_validate(data)
    return {e.field: e.message for e in domain_error_from(raised.value).errors}


def test_a_good_body_is_normalised():
    body = Body.model_validate(GOOD)
    assert body.person.id_number == "11010519491231002X"
    assert body.balance == "1234.50"
    assert body.periods[0].actual_years == Decimal("11.5")
    assert body.periods[0].deemed_years == Decimal("0")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"person": {**GOOD["person"], "id_number": "110105194912310021"}},
            "person.id_number",
            "The ID number's check character does not match: mistyped?",
        ),
        (
            {"periods": [GOOD["periods"][0], {**GOOD["periods"][0], "end": "2014-12"}]},
            "periods[1].end",
            "The period ends before it starts.",
        ),
        (
            {"periods": [{**GOOD["periods"][0], "start": "2015-13"}]},
            "periods[0].start",
            "A month is written YYYY-MM, e.g. 2026-03.",
        ),
        ({"balance": "12.345"}, "balance", "An amount in yuan, e.g. 1234.50."),
        ({"balance": "-1"}, "balance", "An amount in yuan, e.g. 1234.50."),
        ({"balance": "NaN"}, "balance", "An amount in yuan, e.g. 1234.50."),
        (
            {"person": {**GOOD["person"], "phone": "call me"}},
            "person.phone",
            "A phone number has digits only (and + - ( ) or spaces).",
        ),
    ],
)
def test_each_mistake_names_its_field(change, field, message):
    assert errors({**GOOD, **change}) == {field: message}
