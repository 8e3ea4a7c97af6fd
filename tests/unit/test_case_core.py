"""The case core's rules and registry, independent of any one kind: sides beyond three,
business steps, who is told, and the checks that keep a kind and the SLA table in step."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Literal

import pytest
from pydantic import BaseModel

from service.cases import rules
from service.cases.kinds import CaseKind, EventText, Registry
from service.cases.rules import CaseFacts, Side, Status, Workflow, transition
from service.errors import Conflict, Forbidden

WORKFLOW = Workflow.of(
    transition(
        "ask",
        [Status.accepted],
        Status.in_progress,
        by=Side.owner,
        notify=Side.assisting,
        business_from={"checking"},
        business_to="asked",
    ),
    transition(
        "answer",
        [Status.in_progress],
        Status.in_progress,
        by=Side.assisting,
        notify=[Side.owner, Side.filer],
        roles={"investigator"},
    ),
    transition(
        "sign", [Status.in_progress], Status.completed, by="transfer_in", business_from={"asked"}
    ),
    extra_sides=["transfer_in"],
)


def facts(status=Status.accepted, business="checking", assisting=("jinniu", "pengzhou")):
    parties = {
        ("jinniu", Side.filer),
        ("shifang", Side.receiver),
        ("shifang", Side.owner),
        ("shifang", "transfer_in"),
    }
    parties |= {(office, Side.assisting) for office in assisting}
    return CaseFacts.build("probe", status, parties, business)


def test_an_office_may_play_several_sides_and_several_offices_one_side():
    case = facts()
    assert rules.sides_of(case, "jinniu") == {Side.filer, Side.assisting}
    assert rules.offices_for(case, Side.assisting) == ["jinniu", "pengzhou"]
    assert rules.office_for(case, Side.owner) == "shifang"
    with pytest.raises(ValueError):
        rules.office_for(case, Side.assisting)  # two offices assist: no single one


def test_business_steps_guard_an_action_and_move_on_with_it():
    t = rules.check_action(WORKFLOW, facts(), office="shifang", role="clerk", action="ask")
    assert rules.outcome(t, facts(), acting_office="shifang").business_status == "asked"
    with pytest.raises(Conflict):
        rules.check_action(
            WORKFLOW, facts(business="asked"), office="shifang", role="clerk", action="ask"
        )
    assert rules.available_actions(
        WORKFLOW, facts(Status.in_progress, "asked"), office="shifang", role="clerk"
    ) == ["sign"]


def test_every_assisting_office_is_told_but_never_the_acting_office():
    t = WORKFLOW.transitions["ask"]
    assert rules.outcome(t, facts(), acting_office="shifang").notify == ("jinniu", "pengzhou")
    answer = rules.check_action(
        WORKFLOW,
        facts(Status.in_progress),
        office="pengzhou",
        role="investigator",
        action="answer",
    )
    told = rules.outcome(answer, facts(Status.in_progress), acting_office="pengzhou").notify
    assert told == ("jinniu", "shifang")  # filer and owner, once each


def test_a_transition_may_be_kept_to_some_roles_of_the_side():
    with pytest.raises(Forbidden):
        rules.check_action(
            WORKFLOW, facts(Status.in_progress), office="pengzhou", role="clerk", action="answer"
        )


def test_a_table_naming_a_side_it_does_not_declare_is_refused():
    with pytest.raises(ValueError, match="unknown sides"):
        Workflow.of(transition("x", [Status.requested], Status.accepted, by="stranger"))
    with pytest.raises(ValueError, match="twice"):
        Workflow.of(
            transition("x", [Status.requested], Status.accepted, by=Side.receiver),
            transition("x", [Status.accepted], Status.completed, by=Side.owner),
        )


class ProbeCreate(BaseModel):
    kind: Literal["probe"]


def kind(**overrides) -> CaseKind:
    values = dict(
        code="probe",
        label="Probe",
        description="",
        create_model=ProbeCreate,
        workflow=WORKFLOW,
        prepare=lambda *a: None,
        steps=("ask",),
        events={
            action: EventText(f"probe.{action}", action, "%(number)s")
            for action in ("file", "ask", "answer")
        },
    )
    return CaseKind(**{**values, **overrides})


def step(kind="probe", name="ask", owed_by="owner"):
    return SimpleNamespace(kind=kind, step=name, owed_by=owed_by)


def test_registering_a_kind_checks_its_create_model_and_its_filing_text():
    registry = Registry()
    registry.register(kind())
    assert registry.codes == ("probe",)
    with pytest.raises(ValueError, match="twice"):
        registry.register(kind())
    other = Registry()
    with pytest.raises(ValueError, match="Literal"):
        other.register(kind(code="other"))
    with pytest.raises(ValueError, match="event text"):
        other.register(kind(events={}))
    # an action that notifies somebody must say what: "answer" tells the owner and the filer
    quiet = {a: EventText(f"probe.{a}", a, "%(number)s") for a in ("file", "ask")}
    with pytest.raises(ValueError, match=r"no event text for \['answer'\]"):
        other.register(kind(events=quiet))


def test_the_sla_table_must_match_the_kinds_both_ways():
    registry = Registry()
    registry.register(kind())
    registry.check_steps([step()])
    with pytest.raises(ValueError, match="no case kind 'assist'"):
        registry.check_steps([step(), step(kind="assist", name="reply")])
    with pytest.raises(ValueError, match="has no such step"):
        registry.check_steps([step(), step(name="verify")])
    with pytest.raises(ValueError, match="probe/ask: no period"):
        registry.check_steps([])
    with pytest.raises(ValueError, match="unknown side"):
        registry.check_steps([step(owed_by="stranger")])
    # a kind's own side may owe a step
    registry.check_steps([step(owed_by="transfer_in")])
