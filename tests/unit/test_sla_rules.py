"""SLA clocks: which clock a status change starts, pauses, resumes or stops; due dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config import CONFIG_DIR
from service.calendar.rules import DayInfo
from service.sla import rules

RULES = rules.load_rules(CONFIG_DIR / "sla.toml")
HOLIDAYS = {date(2026, 10, d) for d in range(1, 9)}  # 国庆/中秋 2026
MAKEUP = {date(2026, 9, 20), date(2026, 10, 10)}


def lookup(day: date) -> DayInfo:
    if day in MAKEUP:
        return DayInfo(True, False)
    if day in HOLIDAYS:
        return DayInfo(False, False)
    return DayInfo(day.weekday() < 5, False)


def changes(from_status, to_status, running=(), paused=()):
    return [
        (c.step, c.change)
        for c in rules.clock_changes(
            RULES,
            kind="general",
            from_status=from_status,
            to_status=to_status,
            running=set(running),
            paused=set(paused),
        )
    ]


def test_every_step_of_the_registered_kinds_has_a_period_and_says_how_sure_it_is():
    from service.cases.kinds import registry

    declared = {(k.code, step) for k in registry() for step in k.steps}
    assert {(r.kind, r.step) for r in RULES} == declared
    assert ("general", "answer") in declared
    registry().check_steps(RULES)  # what the app checks at start-up
    for rule in RULES:
        assert rule.confidence in rules.CONFIDENCE and rule.days >= 1


def test_an_extension_approver_must_be_one_the_service_knows():
    row = '[[step]]\nkind="general"\nstep="x"\nowed_by="owner"\ndays=5\nunit="working"\nconfidence="C"'
    assert rules.parse_rules(row)[0].extension_approval == rules.Approver.supervisor
    regional = rules.parse_rules(row + '\nextension_approval="regional_supervisor"')[0]
    assert regional.extension_approval == rules.Approver.regional_supervisor
    with pytest.raises(ValueError, match="general/x: extension_approval"):
        rules.parse_rules(row + '\nextension_approval="collective"')


def test_filing_starts_the_answer_clock_and_acceptance_swaps_it_for_completion():
    assert changes(None, "requested") == [("answer", "start")]
    assert changes("received", "accepted", running=["answer"]) == [
        ("answer", "stop"),
        ("complete", "start"),
    ]
    assert changes("accepted", "completed", running=["complete"]) == [("complete", "stop")]


def test_return_for_completion_pauses_and_resubmission_resumes_the_same_clock():
    assert changes("received", "returned", running=["answer"]) == [("answer", "pause")]
    assert changes("returned", "requested", paused=["answer"]) == [("answer", "resume")]
    assert changes("returned", "cancelled", paused=["answer"]) == [("answer", "stop")]


def test_on_hold_pauses_the_completion_clock():
    assert changes("in_progress", "on_hold", running=["complete"]) == [("complete", "pause")]
    assert changes("on_hold", "in_progress", paused=["complete"]) == [("complete", "resume")]


def test_opening_a_request_changes_no_clock():
    assert changes("requested", "received", running=["answer"]) == []


def test_working_day_deadline_skips_the_national_day_break():
    due = rules.due_after(date(2026, 9, 30), 5, "working", lookup)
    # 10-09 (Fri), 10-10 (Sat, make-up workday), 10-12, 10-13, 10-14
    assert due.date == date(2026, 10, 14) and not due.provisional


def test_calendar_day_deadline_moves_past_rest_days():
    due = rules.due_after(date(2026, 9, 19), 15, "calendar", lookup)  # 10-04 is inside the break
    assert due.date == date(2026, 10, 9)


def test_a_pause_moves_the_due_date_by_the_working_days_it_lasted():
    shifted = rules.shift_for_pause(
        date(2026, 11, 20), date(2026, 11, 16), date(2026, 11, 18), "working", lookup
    )
    assert shifted.date == date(2026, 11, 24)
    same_day = rules.shift_for_pause(
        date(2026, 11, 20), date(2026, 11, 16), date(2026, 11, 16), "working", lookup
    )
    assert same_day.date == date(2026, 11, 20)


def test_remaining_and_alerts():
    assert rules.remaining_days(date(2026, 11, 27), date(2026, 11, 25), "working", lookup) == 2
    assert rules.remaining_days(date(2026, 11, 23), date(2026, 11, 25), "working", lookup) == -2
    assert rules.alert_for(3, window=2) is None
    assert rules.alert_for(2, window=2) == "reminder"
    assert rules.alert_for(0, window=2) == "reminder"
    assert rules.alert_for(-1, window=2) == "escalation"


def test_a_broken_rule_file_names_the_step_and_field():
    with pytest.raises(ValueError, match="general/x: unit"):
        rules.parse_rules(
            '[[step]]\nkind="general"\nstep="x"\nowed_by="owner"\ndays=5\nunit="weeks"\nconfidence="C"'
        )
    with pytest.raises(ValueError, match="days"):
        rules.parse_rules(
            '[[step]]\nkind="general"\nstep="x"\nowed_by="owner"\ndays=0\nunit="working"\nconfidence="C"'
        )


@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 1)),
    days=st.integers(min_value=1, max_value=30),
    pause=st.integers(min_value=0, max_value=20),
)
def test_a_due_date_is_a_working_day_and_never_earlier_after_a_pause(start, days, pause):
    due = rules.due_after(start, days, "working", lookup).date
    assert lookup(due).is_workday
    assert rules.remaining_days(due, start, "working", lookup) == days
    shifted = rules.shift_for_pause(
        due, start, start + timedelta(days=pause), "working", lookup
    ).date
    assert shifted >= due and lookup(shifted).is_workday


def test_unacknowledged_notifications_are_reminded_then_escalated():
    rule = rules.parse_ack_rule((CONFIG_DIR / "sla.toml").read_text("utf-8"))
    assert rule.days >= 1
    assert rules.ack_alert_for(-1, rule) is None
    assert rules.ack_alert_for(0, rule) == "reminder"
    assert rules.ack_alert_for(rule.escalate_after, rule) == "escalation"
    with pytest.raises(ValueError):
        rules.parse_ack_rule("[acknowledgement]\ndays = 0")
