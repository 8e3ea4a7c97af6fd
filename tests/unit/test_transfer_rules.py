"""The relation transfer's pure rules: offices and pools, preconditions, who takes which step."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from service.cases.rules import CaseFacts, Side, available_actions, check_action, outcome
from service.errors import Conflict, Forbidden
from service.transfers import rules

POOLS = {"jinniu": "510100", "pengzhou": "510100", "shifang": "510600"}
AGES = {"male": 60, "female": 50}
TODAY = date(2026, 12, 2)
MAN_1990 = "510106199001011233"
WOMAN_1976 = "51010619761201002X"


def fields(errors) -> set[str]:
    return {e.field for e in errors}


def test_two_pools_and_the_filers_own_office_pass():
    assert (
        rules.office_errors(
            own_office="shifang", out_office="jinniu", in_office="shifang", pools=POOLS
        )
        == []
    )


def test_one_pool_is_refused_on_the_transfer_in_office():
    errors = rules.office_errors(
        own_office="jinniu", out_office="jinniu", in_office="pengzhou", pools=POOLS
    )
    assert fields(errors) == {"transfer_in_office"}
    assert errors[0].params == {"pool": "510100"}


def test_a_transfer_between_two_other_offices_or_to_a_bureau_is_refused():
    assert fields(
        rules.office_errors(
            own_office="pengzhou", out_office="jinniu", in_office="shifang", pools=POOLS
        )
    ) == {"transfer_out_office", "transfer_in_office"}
    assert fields(
        rules.office_errors(
            own_office="shifang", out_office="chengdu", in_office="shifang", pools=POOLS
        )
    ) == {"transfer_out_office"}


def conditions(**kw):
    values = {
        "id_number": MAN_1990,
        "scheme_out": "employee",
        "scheme_in": "employee",
        "suspended_on": date(2026, 11, 30),
        "today": TODAY,
        "retirement_ages": AGES,
    }
    return rules.condition_errors(**{**values, **kw})


def test_the_retirement_age_comes_from_the_id_numbers_birth_date_and_sex():
    assert rules.age_on(WOMAN_1976, date(2026, 11, 30)) == 49
    assert conditions(id_number=WOMAN_1976, today=date(2026, 11, 30)) == []
    assert fields(conditions(id_number=WOMAN_1976)) == {"person.id_number"}
    assert conditions(id_number=MAN_1990) == []


def test_a_suspension_ahead_of_today_is_refused():
    assert fields(conditions(suspended_on=date(2026, 12, 3))) == {"suspended_on"}
    assert conditions(suspended_on=TODAY) == []


@pytest.mark.parametrize(
    ("out", "into", "suspended", "refused"),
    [
        ("resident", "resident", date(2026, 1, 5), True),
        ("resident", "resident", date(2025, 12, 31), False),
        ("employee", "resident", date(2026, 1, 5), False),
        ("resident", "employee", date(2026, 1, 5), False),
    ],
)
def test_resident_to_resident_moves_only_from_the_next_year(out, into, suspended, refused):
    errors = conditions(scheme_out=out, scheme_in=into, suspended_on=suspended)
    assert fields(errors) == ({"scheme_in"} if refused else set())


PARTIES = {
    ("shifang", Side.filer),
    ("shifang", rules.TRANSFER_IN),
    ("jinniu", Side.receiver),
    ("jinniu", Side.owner),
    ("jinniu", rules.TRANSFER_OUT),
}


def test_only_the_transfer_out_office_issues_the_form_and_the_other_party_gets_a_conflict():
    case = CaseFacts.build("transfer", "accepted", PARTIES, rules.OUT_STEP)
    t = check_action(rules.WORKFLOW, case, office="jinniu", role="clerk", action="issue_form")
    assert (t.target, t.business_to) == ("in_progress", rules.IN_STEP)
    with pytest.raises(Conflict):
        check_action(rules.WORKFLOW, case, office="shifang", role="clerk", action="issue_form")
    # an office with no part in it (a supervising bureau reading along) is refused outright
    with pytest.raises(Forbidden):
        check_action(rules.WORKFLOW, case, office="chengdu", role="clerk", action="issue_form")


def test_only_the_transfer_in_office_completes_once_the_form_is_issued():
    case = CaseFacts.build("transfer", "in_progress", PARTIES, rules.IN_STEP)
    check_action(rules.WORKFLOW, case, office="shifang", role="clerk", action="complete")
    with pytest.raises(Conflict):
        check_action(rules.WORKFLOW, case, office="jinniu", role="clerk", action="complete")


def test_with_a_balance_the_transfer_in_office_credits_it_before_completing():
    held = CaseFacts.build("transfer", "in_progress", PARTIES, rules.IN_STEP, {rules.BALANCE})
    assert available_actions(rules.WORKFLOW, held, office="shifang", role="clerk") == [
        "credit_balance"
    ]
    with pytest.raises(Conflict):
        check_action(rules.WORKFLOW, held, office="shifang", role="clerk", action="complete")
    # the wrong office is still told the step is the other office's (409)
    with pytest.raises(Conflict):
        check_action(rules.WORKFLOW, held, office="jinniu", role="clerk", action="credit_balance")
    t = check_action(rules.WORKFLOW, held, office="shifang", role="clerk", action="credit_balance")
    assert (t.target, t.business_to) == ("in_progress", rules.CREDITED)
    after = outcome(t, held, acting_office="shifang")
    assert after.notify == ("jinniu",)
    credited = CaseFacts.build(
        "transfer", "in_progress", PARTIES, after.business_status, {rules.BALANCE}
    )
    assert available_actions(rules.WORKFLOW, credited, office="shifang", role="clerk") == [
        "complete"
    ]
    assert (
        check_action(
            rules.WORKFLOW, credited, office="shifang", role="clerk", action="complete"
        ).business_to
        == rules.DONE
    )


def test_without_a_balance_there_is_nothing_to_credit_and_complete_follows_the_form():
    case = CaseFacts.build("transfer", "in_progress", PARTIES, rules.IN_STEP)
    assert available_actions(rules.WORKFLOW, case, office="shifang", role="clerk") == ["complete"]
    with pytest.raises(Conflict):
        check_action(rules.WORKFLOW, case, office="shifang", role="clerk", action="credit_balance")


@pytest.mark.parametrize(
    ("balance", "flags"),
    [(None, set()), (Decimal("0.00"), set()), (Decimal("0.01"), {rules.BALANCE})],
)
def test_only_a_balance_above_zero_is_to_be_credited(balance, flags):
    assert rules.balance_flags(balance) == flags


FORM = {
    "title": rules.INFO_FORM_TITLE,
    "case_number": "SF-2026-000001",
    "issued_by": {"code": "jinniu", "name": "成都市金牛区医疗保障局"},
    "issued_on": "2026-12-02",
    "person": {"name": "张三", "id_number": MAN_1990, "phone": ""},
    "periods": [{"pool_code": "510100", "actual_years": "11.3"}],
    "account_balance": "3520.40",
}
KEY = "a-secret-key-for-the-tests-only-0123456789"


def test_an_issued_form_verifies_whatever_the_order_of_its_keys():
    signed = rules.signed_form(FORM, secret_key=KEY)
    assert len(signed["verification_code"]) == 64
    assert rules.verify_form(signed, secret_key=KEY)
    reordered = dict(reversed(list(signed.items())))
    assert rules.verify_form(reordered, secret_key=KEY)


def test_a_changed_byte_another_issuer_or_another_key_fails():
    signed = rules.signed_form(FORM, secret_key=KEY)
    assert not rules.verify_form({**signed, "account_balance": "3520.41"}, secret_key=KEY)
    changed_name = {**signed, "person": {**FORM["person"], "name": "张四"}}
    assert not rules.verify_form(changed_name, secret_key=KEY)
    other_issuer = {**signed, "issued_by": {"code": "pengzhou", "name": "成都市金牛区医疗保障局"}}
    assert not rules.verify_form(other_issuer, secret_key=KEY)
    assert not rules.verify_form(signed, secret_key=KEY + "x")
    code = signed["verification_code"]
    flipped = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert not rules.verify_form({**signed, "verification_code": flipped}, secret_key=KEY)
    assert not rules.verify_form({**FORM}, secret_key=KEY)  # no code at all
    # each office has its own key
    assert rules.office_key(KEY, "jinniu") != rules.office_key(KEY, "pengzhou")
