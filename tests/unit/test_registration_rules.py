"""The registration's own rules: the pool must be an office's, the receiving office must be of
that pool; its table lets only the office of the pool answer and complete."""

from __future__ import annotations

import pytest

from service.cases.rules import CaseFacts, Side, Status, available_actions, check_action
from service.errors import Conflict, Forbidden, ValidationFailed
from service.registrations.rules import WORKFLOW, check_pool, check_receiver_in_pool

POOLS = {"jinniu": "510100", "pengzhou": "510100", "shifang": "510600"}


def facts(status: Status, owner: str = "shifang") -> CaseFacts:
    return CaseFacts.build(
        "registration",
        status,
        [("shifang", Side.filer), ("jinniu", Side.receiver), (owner, Side.owner)],
    )


def test_a_pool_of_a_configured_office_is_accepted():
    check_pool("510600", office_pools=POOLS)


def test_an_unknown_pool_is_refused_naming_the_known_ones():
    with pytest.raises(ValidationFailed) as caught:
        check_pool("510700", office_pools=POOLS)
    (error,) = caught.value.errors
    assert error.field == "pool_code"
    assert error.params == {"code": "510700", "pools": "510100, 510600"}


def test_an_office_outside_the_pool_is_refused_on_the_receiving_office():
    check_receiver_in_pool("彭州", "510100", "510100")
    with pytest.raises(ValidationFailed) as caught:
        check_receiver_in_pool("什邡", "510600", "510100")
    (error,) = caught.value.errors
    assert error.field == "receiving_office"
    assert error.params == {"office": "什邡", "its_pool": "510600", "pool": "510100"}


def test_only_the_receiving_office_answers_a_new_request():
    case = facts(Status.requested)
    assert available_actions(WORKFLOW, case, office="jinniu", role="clerk") == [
        "accept",
        "reject",
        "return",
    ]
    assert available_actions(WORKFLOW, case, office="shifang", role="clerk") == ["cancel"]
    with pytest.raises(Forbidden):
        check_action(WORKFLOW, case, office="shifang", role="clerk", action="accept")


def test_rejecting_returning_and_cancelling_need_a_reason():
    case = facts(Status.received)
    for office, action in (("jinniu", "reject"), ("jinniu", "return"), ("shifang", "cancel")):
        with pytest.raises(ValidationFailed):
            check_action(WORKFLOW, case, office=office, role="clerk", action=action)
        check_action(WORKFLOW, case, office=office, role="clerk", action=action, reason="缺材料")


def test_the_office_that_accepted_completes_suspends_and_resumes():
    accepted = facts(Status.accepted, owner="jinniu")
    assert available_actions(WORKFLOW, accepted, office="jinniu", role="clerk") == [
        "hold",
        "complete",
    ]
    assert available_actions(WORKFLOW, accepted, office="shifang", role="clerk") == []
    held = facts(Status.on_hold, owner="jinniu")
    with pytest.raises(Conflict):
        check_action(WORKFLOW, held, office="jinniu", role="clerk", action="complete")
    assert (
        check_action(WORKFLOW, held, office="jinniu", role="clerk", action="resume").target
        == Status.in_progress
    )


def test_a_returned_request_is_resubmitted_by_the_filer():
    returned = facts(Status.returned)
    assert available_actions(WORKFLOW, returned, office="shifang", role="clerk") == [
        "resubmit",
        "cancel",
    ]
    assert available_actions(WORKFLOW, returned, office="jinniu", role="clerk") == []
