"""退休人员缴费年限核定 as pure rules: years summed across pools in Decimal, the settling pool's
minimum by sex, a shortfall never below zero, the settling office, the person against the ID
number, and a broken config/pools.toml naming the pool and the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.cases.rules import CaseFacts, Side, Status, available_actions, check_action
from service.errors import Forbidden, ValidationFailed
from service.retirees import rules
from service.retirees.service import load_pools

CONFIG = rules.parse_pools(
    """
[[pool]]
code = "510100"
name = "成都市"
male_years = 25
female_years = 20
confidence = "R"

[[pool]]
code = "510600"
name = "德阳市"
male_years = "25.5"
female_years = 20
confidence = "C"

[settlement]
rule = "latest_period"
confidence = "C"
"""
)
MALE_ID = "510106196605010019"  # born 1966-05-01, 17th digit odd: male
FEMALE_ID = "11010519491231002X"  # born 1949-12-31, female


@dataclass(frozen=True)
class P:
    pool_code: str
    start: str
    end: str
    actual_years: Decimal
    deemed_years: Decimal = Decimal("0")


def field_errors(raised) -> dict[str, str]:
    return {e.field: e.message for e in raised.value.errors}


def test_years_are_summed_across_pools_and_the_latest_pool_settles():
    periods = [
        P("510100", "1990-01", "2009-12", Decimal("17.5"), Decimal("2.5")),
        P("510600", "2010-01", "2026-04", Decimal("4.0")),
    ]
    a = rules.assess(periods, "male", CONFIG)
    assert a.years_by_pool == {"510100": Decimal("20.0"), "510600": Decimal("4.0")}
    assert (a.total_years, a.settling_pool, a.minimum_years) == (
        Decimal("24.0"),
        "510600",
        Decimal("25.5"),
    )
    assert a.shortfall_years == Decimal("1.5") and not a.met
    assert (a.minimum_confidence, a.settlement_confidence) == ("C", "C")


def test_a_woman_with_twenty_years_in_chengdu_meets_the_minimum():
    a = rules.assess([P("510100", "2000-01", "2026-01", Decimal("20"))], "female", CONFIG)
    assert (a.total_years, a.minimum_years, a.shortfall_years, a.met) == (
        Decimal("20.0"),
        Decimal("20.0"),
        Decimal("0.0"),
        True,
    )
    assert a.minimum_confidence == "R"


def test_under_the_longest_rule_the_pool_with_most_years_settles():
    config = rules.PoolConfig(CONFIG.pools, rules.Settlement("longest", "C"))
    periods = [
        P("510100", "1990-01", "2015-12", Decimal("20")),
        P("510600", "2016-01", "2026-04", Decimal("10")),
    ]
    assert rules.assess(periods, "male", config).settling_pool == "510100"
    assert rules.assess(periods, "male", CONFIG).settling_pool == "510600"


def test_a_settling_pool_without_a_configured_minimum_is_refused_on_its_period():
    periods = [
        P("510100", "1990-01", "2015-12", Decimal("20")),
        P("510700", "2016-01", "2026-04", Decimal("10")),
    ]
    with pytest.raises(ValidationFailed) as raised:
        rules.assess(periods, "male", CONFIG)
    assert list(field_errors(raised)) == ["periods[1].pool_code"]
    assert raised.value.errors[0].params == {"pool": "510700"}


def test_no_periods_and_an_unknown_sex_are_refused_by_field():
    with pytest.raises(ValidationFailed) as raised:
        rules.assess([], "male", CONFIG)
    assert list(field_errors(raised)) == ["periods"]
    with pytest.raises(ValidationFailed) as raised:
        rules.assess([P("510100", "2000-01", "2001-01", Decimal("1"))], "other", CONFIG)
    assert list(field_errors(raised)) == ["sex"]


years = st.decimals(min_value=0, max_value=80, places=1, allow_nan=False, allow_infinity=False)
month = st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(1960, 2026), st.integers(1, 12))
period = st.builds(
    lambda pool, a, b, actual, deemed: P(pool, min(a, b), max(a, b), actual, deemed),
    st.sampled_from(["510100", "510600"]),
    month,
    month,
    years,
    years,
)


@given(st.lists(period, min_size=1, max_size=8), st.sampled_from(rules.SEXES))
def test_the_shortfall_is_what_the_minimum_exceeds_the_total_and_never_negative(periods, sex):
    a = rules.assess(periods, sex, CONFIG)
    assert a.total_years == sum(
        (p.actual_years + p.deemed_years for p in periods), Decimal("0")
    ).quantize(Decimal("0.1"))
    assert a.total_years == sum(a.years_by_pool.values(), Decimal("0"))
    assert a.shortfall_years == max(Decimal("0"), a.minimum_years - a.total_years)
    assert a.shortfall_years >= 0 and a.total_years >= 0
    assert a.met == (a.total_years >= a.minimum_years)
    assert a.minimum_years == CONFIG.pools[a.settling_pool].minimum[sex]
    for value in (a.total_years, a.shortfall_years, a.minimum_years):
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -1


@given(st.lists(period, min_size=1, max_size=8), st.permutations(range(8)))
def test_the_total_does_not_depend_on_the_order_of_the_periods(periods, order):
    shuffled = [periods[i] for i in order if i < len(periods)]
    assert (
        rules.assess(periods, "male", CONFIG).total_years
        == rules.assess(shuffled, "male", CONFIG).total_years
    )


def test_sex_and_birth_date_must_agree_with_the_id_number():
    rules.check_person(MALE_ID, "male", date(1966, 5, 1), date(2026, 5, 1))
    with pytest.raises(ValidationFailed) as raised:
        rules.check_person(MALE_ID, "female", date(1966, 5, 2), date(2026, 5, 1))
    errors = field_errors(raised)
    assert set(errors) == {"sex", "birth_date"}
    assert errors["birth_date"] == "The birth date does not match the ID number (%(born)s)."
    assert raised.value.errors[1].params == {"born": "1966-05-01"}
    rules.check_person(FEMALE_ID, "female", date(1949, 12, 31), date(2004, 12, 31))


def test_retirement_comes_after_birth():
    with pytest.raises(ValidationFailed) as raised:
        rules.check_person(MALE_ID, "male", date(1966, 5, 1), date(1966, 5, 1))
    assert field_errors(raised) == {
        "retirement_date": "The retirement date must come after the birth date."
    }


CHENGDU = ["jinniu", "pengzhou"]


def test_the_settling_office_is_derived_when_the_pool_has_one_other_office():
    assert rules.settling_office("510600", ["shifang"], filer="jinniu", named=None) == "shifang"
    assert rules.settling_office("510100", CHENGDU, filer="shifang", named="pengzhou") == (
        "pengzhou"
    )


@pytest.mark.parametrize(
    ("pool", "offices", "filer", "named", "field"),
    [
        ("510100", CHENGDU, "shifang", None, "receiving_office"),  # two offices: choose
        ("510100", CHENGDU, "jinniu", "shifang", "receiving_office"),  # not of the pool
        ("510600", ["shifang"], "shifang", None, "receiving_office"),  # the filer settles
        ("510100", CHENGDU, "jinniu", "jinniu", "receiving_office"),  # own office
        ("510700", [], "jinniu", None, "periods"),  # no office of ours in the pool
    ],
)
def test_a_settling_office_that_cannot_be_is_refused_by_field(pool, offices, filer, named, field):
    with pytest.raises(ValidationFailed) as raised:
        rules.settling_office(pool, offices, filer=filer, named=named)
    assert list(field_errors(raised)) == [field]


def test_the_shipped_pools_file_is_valid_and_marks_deyang_as_an_assumption():
    config = load_pools()
    assert config.pools["510100"].minimum == {"male": Decimal("25"), "female": Decimal("20")}
    assert config.pools["510100"].confidence == "R"
    assert config.pools["510600"].confidence == "C"
    assert (config.settlement.rule, config.settlement.confidence) == ("latest_period", "C")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[pool]]\ncode = "510100"\nmale_years = 25\nconfidence = "R"', "pool 510100: female"),
        (
            '[[pool]]\ncode = "510100"\nmale_years = -1\nfemale_years = 20\nconfidence = "R"',
            "pool 510100: male_years",
        ),
        (
            '[[pool]]\ncode = "510100"\nmale_years = 25\nfemale_years = 20\nconfidence = "X"',
            "pool 510100: confidence",
        ),
        ('[[pool]]\ncode = "5101"\nmale_years = 25\nfemale_years = 20', "pool 5101: code"),
        (
            '[[pool]]\ncode = "510100"\nmale_years = 25\nfemale_years = 20\nconfidence = "R"\n'
            '[settlement]\nrule = "nearest"\nconfidence = "C"',
            "settlement: rule",
        ),
        ("", "no [[pool]]"),
    ],
)
def test_a_broken_pools_file_names_the_pool_and_the_field(text, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        rules.parse_pools(text)


def facts(status: Status) -> CaseFacts:
    return CaseFacts.build(
        "retiree",
        status,
        [("jinniu", Side.filer), ("jinniu", Side.owner), ("shifang", Side.receiver)],
    )


def test_the_settling_office_answers_and_the_filer_may_resubmit_or_cancel():
    wf = rules.WORKFLOW
    assert available_actions(wf, facts(Status.received), office="shifang", role="clerk") == [
        "accept",
        "reject",
        "return",
    ]
    assert available_actions(wf, facts(Status.returned), office="jinniu", role="clerk") == [
        "resubmit",
        "cancel",
    ]
    for action in ("reject", "return", "cancel"):
        assert wf.transitions[action].reason_required
    with pytest.raises(Forbidden):
        check_action(wf, facts(Status.requested), office="jinniu", role="clerk", action="accept")
    assert wf.transitions["accept"].owner_becomes == Side.receiver


def test_the_messages_call_the_pool_and_the_offices_by_their_names():
    names = {"510100": "成都市（510100）", "jinniu": "金牛", "pengzhou": "彭州"}
    with pytest.raises(ValidationFailed) as raised:
        rules.settling_office("510100", CHENGDU, filer="shifang", named=None, names=names)
    assert raised.value.errors[0].params == {"pool": "成都市（510100）", "offices": "金牛、彭州"}


def test_overlapping_periods_are_refused_on_the_later_one():
    rules.check_periods(
        [P("510100", "1990-01", "2009-12", Decimal("20")), P("510600", "2010-01", "2026-04", 4)]
    )
    with pytest.raises(ValidationFailed) as raised:
        rules.check_periods(
            [
                P("510100", "1990-01", "2009-12", Decimal("20")),
                P("510600", "2009-12", "2026-04", Decimal("4")),
                P("510600", "1980-01", "1989-12", Decimal("4")),
            ]
        )
    assert [(e.field, e.params) for e in raised.value.errors] == [
        ("periods[1].start", {"other": 1})
    ]


@given(st.lists(period, min_size=1, max_size=8), st.sampled_from(rules.SETTLEMENT_RULES))
def test_the_settling_pool_is_one_the_person_was_insured_in(periods, rule):
    config = rules.PoolConfig(CONFIG.pools, rules.Settlement(rule, "C"))
    a = rules.assess(periods, "female", config)
    assert a.settling_pool in {p.pool_code for p in periods}
    if rule == "latest_period":
        assert max(p.end for p in periods if p.pool_code == a.settling_pool) == max(
            p.end for p in periods
        )


OFFICES = ["jinniu", "pengzhou", "shifang"]


@given(
    st.lists(st.sampled_from(OFFICES), min_size=1, max_size=3, unique=True),
    st.sampled_from(OFFICES),
    st.one_of(st.none(), st.sampled_from(OFFICES)),
)
def test_a_settling_office_is_always_of_the_pool_and_never_the_filer(in_pool, filer, named):
    try:
        office = rules.settling_office("510100", in_pool, filer=filer, named=named)
    except ValidationFailed as refused:
        assert [e.field for e in refused.errors] == ["receiving_office"]
        return
    assert office in in_pool and office != filer
    assert office == named or (named is None and [o for o in in_pool if o != filer] == [office])
