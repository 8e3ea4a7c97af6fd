"""The general request's state machine: who may do what from which status, and what it
leads to (the kind's table, read through the case core's rules)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from service.cases import rules
from service.cases.rules import FINAL, CaseFacts, Side, Status, case_number
from service.errors import Conflict, Forbidden, ValidationFailed
from service.general.rules import WORKFLOW

TRANSITIONS = WORKFLOW.transitions
USER_ACTIONS = WORKFLOW.user_actions


def check_action(facts: CaseFacts, **kw):
    return rules.check_action(WORKFLOW, facts, **kw)


def available_actions(facts: CaseFacts, **kw):
    return rules.available_actions(WORKFLOW, facts, **kw)


def facts_of(status, filing: str, receiving: str, owner: str) -> CaseFacts:
    parties = {(filing, Side.filer), (receiving, Side.receiver), (owner, Side.owner)}
    return CaseFacts.build("general", status, parties)


def owner_of(facts: CaseFacts) -> str:
    return rules.office_for(facts, Side.owner)


FILER, RECEIVER, THIRD = "jinniu", "shifang", "pengzhou"
OFFICES = ("jinniu", "pengzhou", "shifang", "chengdu", "deyang", "sichuan")
WORKER_ROLES = ("clerk", "investigator", "supervisor")
ROLES = (*WORKER_ROLES, "regional_supervisor", "admin")
REASON = "材料不全，请补充参保凭证。"


def case(status: Status, *, owner: str = FILER) -> CaseFacts:
    return facts_of(status, FILER, RECEIVER, owner)


def accepted_case(status: Status = Status.accepted) -> CaseFacts:
    """After acceptance the receiving office owns the case."""
    return case(status, owner=RECEIVER)


# --- the receiving office's decisions -------------------------------------------------------


@pytest.mark.parametrize("status", [Status.requested, Status.received])
def test_receiving_office_accepts_an_open_request(status):
    transition = check_action(case(status), office=RECEIVER, role="clerk", action="accept")
    assert transition.target == Status.accepted
    assert transition.owner_becomes == Side.receiver
    assert transition.notify == {Side.filer}


def test_opening_a_new_request_marks_it_received_for_the_filer():
    transition = check_action(
        case(Status.requested), office=RECEIVER, role="investigator", action="receive"
    )
    assert transition.target == Status.received
    assert transition.notify == {Side.filer}
    # Once read, the receipt is not given again.
    with pytest.raises(Conflict):
        check_action(case(Status.received), office=RECEIVER, role="clerk", action="receive")


def test_receipt_is_automatic_and_not_offered_as_a_choice():
    assert "receive" not in USER_ACTIONS
    assert "receive" not in available_actions(case(Status.requested), office=RECEIVER, role="clerk")


@pytest.mark.parametrize("status", [Status.requested, Status.received])
def test_filer_cannot_accept_own_request(status):
    with pytest.raises(Forbidden) as raised:
        check_action(case(status), office=FILER, role="supervisor", action="accept")
    assert raised.value.params == {"action": "accept"}


@pytest.mark.parametrize("office", [THIRD, "chengdu", "deyang", "sichuan"])
def test_an_uninvolved_office_cannot_decide_on_a_request(office):
    for action in ("accept", "reject", "return", "cancel"):
        with pytest.raises(Forbidden):
            check_action(
                case(Status.requested), office=office, role="clerk", action=action, reason=REASON
            )


@pytest.mark.parametrize("action", ["reject", "return"])
@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_reject_and_return_need_a_reason(action, reason):
    with pytest.raises(ValidationFailed) as raised:
        check_action(
            case(Status.received), office=RECEIVER, role="clerk", action=action, reason=reason
        )
    assert [(e.field, e.message) for e in raised.value.errors] == [
        ("reason", "A reason is required for this action.")
    ]


@pytest.mark.parametrize(
    ("action", "target"), [("reject", Status.rejected), ("return", Status.returned)]
)
def test_reject_and_return_with_a_reason_go_back_to_the_filer(action, target):
    transition = check_action(
        case(Status.requested), office=RECEIVER, role="clerk", action=action, reason=REASON
    )
    assert transition.target == target
    assert transition.notify == {Side.filer}
    assert transition.owner_becomes is None


def test_accept_needs_no_reason():
    check_action(case(Status.requested), office=RECEIVER, role="clerk", action="accept", reason="")


def test_filer_resubmits_a_returned_request():
    transition = check_action(case(Status.returned), office=FILER, role="clerk", action="resubmit")
    assert transition.target == Status.requested
    assert transition.notify == {Side.receiver}
    with pytest.raises(Forbidden):
        check_action(case(Status.returned), office=RECEIVER, role="clerk", action="resubmit")
    with pytest.raises(Conflict):
        check_action(case(Status.requested), office=FILER, role="clerk", action="resubmit")


# --- cancelling -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Status.draft, Status.requested, Status.received, Status.returned]
)
def test_filer_may_cancel_before_acceptance(status):
    transition = check_action(
        case(status), office=FILER, role="clerk", action="cancel", reason=REASON
    )
    assert transition.target == Status.cancelled
    assert transition.notify == {Side.receiver}


@pytest.mark.parametrize(
    "status",
    [
        s
        for s in Status
        if s not in {Status.draft, Status.requested, Status.received, Status.returned}
    ],
)
def test_cancel_only_before_acceptance(status):
    owner = RECEIVER if status in {Status.accepted, Status.in_progress, Status.completed} else FILER
    with pytest.raises(Conflict) as raised:
        check_action(
            case(status, owner=owner), office=FILER, role="clerk", action="cancel", reason=REASON
        )
    assert raised.value.params == {"action": "cancel", "status": status.value}


def test_receiving_office_cannot_cancel_the_request():
    with pytest.raises(Forbidden):
        check_action(case(Status.requested), office=RECEIVER, role="supervisor", action="cancel")


# --- working the accepted case --------------------------------------------------------------


def test_owner_starts_and_completes_an_accepted_case():
    start = check_action(accepted_case(), office=RECEIVER, role="investigator", action="start")
    assert start.target == Status.in_progress
    assert start.notify == {Side.filer}  # the filer learns that work has started
    done = check_action(
        accepted_case(Status.in_progress), office=RECEIVER, role="clerk", action="complete"
    )
    assert done.target == Status.completed
    assert done.notify == {Side.filer}
    # Completing straight from accepted is allowed too.
    assert check_action(
        accepted_case(), office=RECEIVER, role="clerk", action="complete"
    ).target == (Status.completed)


def test_filer_no_longer_works_the_case_once_the_receiver_owns_it():
    for action in ("start", "complete"):
        with pytest.raises(Forbidden):
            check_action(accepted_case(), office=FILER, role="supervisor", action=action)


def test_work_cannot_start_twice():
    with pytest.raises(Conflict):
        check_action(
            accepted_case(Status.in_progress), office=RECEIVER, role="clerk", action="start"
        )


# --- final statuses, roles and unknown actions -----------------------------------------------


@pytest.mark.parametrize("status", sorted(FINAL))
@pytest.mark.parametrize("office", OFFICES)
@pytest.mark.parametrize("owner", [FILER, RECEIVER])
def test_final_statuses_take_no_action(status, office, owner):
    facts = case(status, owner=owner)
    for role in ROLES:
        assert available_actions(facts, office=office, role=role) == []
        for action in TRANSITIONS:
            with pytest.raises((Conflict, Forbidden)):
                check_action(facts, office=office, role=role, action=action, reason=REASON)


def test_final_status_set_is_rejected_completed_cancelled():
    assert {Status.rejected, Status.completed, Status.cancelled} == FINAL


@pytest.mark.parametrize("role", ["regional_supervisor", "admin", "", "guest"])
def test_regional_supervisor_and_admin_may_not_act(role):
    # Even sitting at the very office whose turn it is.
    for facts, office in [
        (case(Status.requested), RECEIVER),
        (case(Status.returned), FILER),
        (accepted_case(), RECEIVER),
    ]:
        assert available_actions(facts, office=office, role=role) == []
        for action in USER_ACTIONS:
            with pytest.raises((Forbidden, Conflict)) as raised:
                check_action(facts, office=office, role=role, action=action, reason=REASON)
            if action in available_actions(facts, office=office, role="clerk"):
                assert isinstance(raised.value, Forbidden)


def test_unknown_action_is_refused_with_its_name():
    with pytest.raises(Conflict) as raised:
        check_action(case(Status.requested), office=RECEIVER, role="clerk", action="approve")
    assert raised.value.params == {"action": "approve"}
    assert "approve" in str(raised.value)


def test_wrong_status_message_names_action_and_status():
    with pytest.raises(Conflict) as raised:
        check_action(case(Status.returned), office=RECEIVER, role="clerk", action="accept")
    assert str(raised.value) == "The action “accept” is not possible while the case is “returned”."


@pytest.mark.parametrize(
    ("facts", "office", "expected"),
    [
        (case(Status.requested), RECEIVER, ["accept", "reject", "return"]),
        (case(Status.received), RECEIVER, ["accept", "reject", "return"]),
        (case(Status.requested), FILER, ["cancel"]),
        (case(Status.returned), FILER, ["resubmit", "cancel"]),
        (case(Status.returned), RECEIVER, []),
        (case(Status.draft), FILER, ["cancel"]),
        (accepted_case(), RECEIVER, ["start", "hold", "complete"]),
        (accepted_case(Status.in_progress), RECEIVER, ["hold", "complete"]),
        (accepted_case(Status.on_hold), RECEIVER, ["resume"]),
        (accepted_case(Status.on_hold), FILER, []),
        (accepted_case(), FILER, []),
        (case(Status.requested), THIRD, []),
    ],
)
def test_available_actions_per_office(facts, office, expected):
    assert available_actions(facts, office=office, role="clerk") == expected


def _allowed_by_check(facts: CaseFacts, office: str, role: str) -> list[str]:
    allowed = []
    for action in USER_ACTIONS:
        try:
            check_action(facts, office=office, role=role, action=action, reason=REASON)
        except (Forbidden, Conflict):
            continue
        allowed.append(action)
    return allowed


def test_available_actions_match_check_action():
    """Exhaustively over the offices of the demo: the buttons shown are the actions allowed."""
    for status, office, role, owner in itertools.product(Status, OFFICES, ROLES, OFFICES):
        facts = case(status, owner=owner)
        assert available_actions(facts, office=office, role=role) == _allowed_by_check(
            facts, office, role
        ), (status, office, role, owner)


# --- hypothesis ------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    status=st.sampled_from(list(Status)),
    filing=st.sampled_from(OFFICES),
    receiving=st.sampled_from(OFFICES),
    owner=st.sampled_from(OFFICES),
    office=st.sampled_from(OFFICES),
    role=st.sampled_from(ROLES),
)
def test_available_actions_are_exactly_the_permitted_ones(
    status, filing, receiving, owner, office, role
):
    facts = facts_of(status, filing, receiving, owner)
    assert available_actions(facts, office=office, role=role) == _allowed_by_check(
        facts, office, role
    )


ACTORS = st.tuples(st.sampled_from(OFFICES), st.sampled_from(ROLES))


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(ACTORS, st.sampled_from(list(TRANSITIONS)), st.sampled_from(["", REASON])),
        max_size=25,
    )
)
def test_random_sequences_of_actions_stay_within_the_machine(steps):
    facts = case(Status.requested)
    for (office, role), action, reason in steps:
        before = facts
        try:
            transition = check_action(facts, office=office, role=role, action=action, reason=reason)
        except (Forbidden, Conflict, ValidationFailed):
            continue
        assert before.status not in FINAL, f"{action} left final status {before.status}"
        assert before.status in transition.sources
        assert role in WORKER_ROLES
        outcome = rules.outcome(transition, before, acting_office=office)
        owner = outcome.owner or owner_of(before)
        facts = facts_of(outcome.status, FILER, RECEIVER, owner)
        assert isinstance(facts.status, Status)
        assert office not in outcome.notify  # the acting office is never told of itself
        if action != "accept":
            assert owner_of(facts) == owner_of(before)


class CaseLifecycle(RuleBasedStateMachine):
    """One request from jinniu to shifang; pengzhou and the bureaus look on."""

    def __init__(self) -> None:
        super().__init__()
        self.facts = case(Status.requested)
        self.history: list[Status] = [self.facts.status]
        self.ever_final = False

    def _try(self, office: str, role: str, action: str, reason: str) -> None:
        before = self.facts
        try:
            transition = check_action(
                before, office=office, role=role, action=action, reason=reason
            )
        except ValidationFailed:
            assert TRANSITIONS[action].reason_required and not reason.strip()
            return
        except (Forbidden, Conflict):
            return
        assert before.status not in FINAL, f"{action} moved a case out of {before.status}"
        assert office in (FILER, RECEIVER) and role in WORKER_ROLES
        outcome = rules.outcome(transition, before, acting_office=office)
        owner = outcome.owner or owner_of(before)
        self.facts = facts_of(outcome.status, FILER, RECEIVER, owner)
        if owner != owner_of(before):
            assert action == "accept"
        self.history.append(self.facts.status)

    @rule(
        actor=ACTORS,
        action=st.sampled_from(list(TRANSITIONS)),
        reason=st.sampled_from(["", " ", REASON]),
    )
    def act(self, actor, action, reason):
        self._try(*actor, action, reason)

    @precondition(lambda self: self.facts.status not in FINAL)
    @rule(action=st.sampled_from(list(TRANSITIONS)), side=st.sampled_from([FILER, RECEIVER]))
    def involved_office_acts(self, action, side):
        # Bias towards the two parties so the machine gets deep into the lifecycle.
        self._try(side, "clerk", action, REASON)

    @invariant()
    def status_is_a_member(self):
        assert isinstance(self.facts.status, Status)

    @invariant()
    def final_status_is_never_left(self):
        if self.ever_final:
            assert self.facts.status in FINAL
        self.ever_final = self.ever_final or self.facts.status in FINAL
        if self.ever_final:
            assert available_actions(self.facts, office=FILER, role="clerk") == []
            assert available_actions(self.facts, office=RECEIVER, role="clerk") == []

    @invariant()
    def receiver_owns_exactly_from_acceptance(self):
        was_accepted = Status.accepted in self.history
        assert owner_of(self.facts) == (RECEIVER if was_accepted else FILER)

    @invariant()
    def parties_never_change(self):
        assert rules.offices_for(self.facts, Side.filer) == [FILER]
        assert rules.offices_for(self.facts, Side.receiver) == [RECEIVER]


CaseLifecycle.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
test_case_lifecycle = CaseLifecycle.TestCase


# --- numbers ---------------------------------------------------------------------------------


def test_case_number_is_prefix_year_and_six_digit_sequence():
    assert case_number("JN", 2026, 42) == "JN-2026-000042"
    assert case_number("SF", 2027, 1) == "SF-2027-000001"
    assert case_number("PZ", 2026, 999_999) == "PZ-2026-999999"


def test_case_number_grows_past_six_digits_rather_than_truncating():
    assert case_number("JN", 2026, 1_000_000) == "JN-2026-1000000"


@given(
    a=st.integers(min_value=1, max_value=999_999),
    b=st.integers(min_value=1, max_value=999_999),
    year=st.integers(2000, 2099),
)
def test_case_numbers_sort_like_their_sequence(a, b, year):
    first, second = case_number("JN", year, a), case_number("JN", year, b)
    assert first.startswith(f"JN-{year}-")
    assert len(first) == len("JN-2026-000042")
    assert int(first.rsplit("-", 1)[1]) == a
    assert (first < second) == (a < b)


def test_putting_a_case_on_hold_needs_a_reason_and_resumes_into_progress():
    held = accepted_case(Status.in_progress)
    with pytest.raises(ValidationFailed) as err:
        check_action(held, office=RECEIVER, role="clerk", action="hold")
    assert err.value.errors[0].field == "reason"
    assert (
        check_action(held, office=RECEIVER, role="clerk", action="hold", reason="等待鉴定").target
        == Status.on_hold
    )
    resumed = check_action(
        accepted_case(Status.on_hold), office=RECEIVER, role="clerk", action="resume"
    )
    assert resumed.target == Status.in_progress
