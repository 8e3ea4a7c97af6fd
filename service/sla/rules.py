"""SLA clocks as pure rules: which step's clock a status change starts, pauses, resumes or stops,
how a pause moves the due date, and when a reminder or an escalation is due.

No Flask, no session: the calendar comes in as a day lookup (service.calendar.rules).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from service.calendar.rules import (
    DayInfo,
    Due,
    add_calendar_days,
    add_working_days,
    working_days_between,
)

Lookup = Callable[[date], DayInfo]
UNITS = ("working", "calendar")
CONFIDENCE = ("L", "R", "C")


class ClockStatus(StrEnum):
    running = "running"
    paused = "paused"
    met = "met"
    breached = "breached"


ACTIVE = (ClockStatus.running, ClockStatus.paused)


class ExtensionStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    rejected = "rejected"


class Approver(StrEnum):
    """Who approves an extension of a step: a supervisor of the office that owes it, or a
    regional supervisor of the bureau over that office."""

    supervisor = "supervisor"
    regional_supervisor = "regional_supervisor"


@dataclass(frozen=True)
class StepRule:
    kind: str
    step: str
    title: str
    owed_by: str  # a side of the case (the kind's registry entry knows its sides)
    days: int
    unit: str
    confidence: str
    starts_on: frozenset[str]
    ends_on: frozenset[str]
    pauses_on: frozenset[str]
    extension_days: int = 0
    extension_approval: Approver = Approver.supervisor


def parse_rules(text: str) -> list[StepRule]:
    """Read config/sla.toml; a mistake in the file names the step and the field."""
    rules = []
    for row in tomllib.loads(text).get("step", []):
        name = f"{row.get('kind')}/{row.get('step')}"
        if row.get("unit") not in UNITS:
            raise ValueError(f"sla step {name}: unit must be one of {UNITS}")
        if row.get("confidence") not in CONFIDENCE:
            raise ValueError(f"sla step {name}: confidence must be one of {CONFIDENCE}")
        if not isinstance(row.get("days"), int) or row["days"] < 1:
            raise ValueError(f"sla step {name}: days must be a positive whole number")
        approval = row.get("extension_approval", Approver.supervisor)
        if approval not in tuple(Approver):
            raise ValueError(
                f"sla step {name}: extension_approval must be one of {tuple(map(str, Approver))}"
            )
        if not row.get("owed_by"):
            raise ValueError(f"sla step {name}: owed_by names the side that owes the step")
        rules.append(
            StepRule(
                kind=row["kind"],
                step=row["step"],
                title=row.get("title", row["step"]),
                owed_by=str(row["owed_by"]),
                days=row["days"],
                unit=row["unit"],
                confidence=row["confidence"],
                starts_on=frozenset(row.get("starts_on", [])),
                ends_on=frozenset(row.get("ends_on", [])),
                pauses_on=frozenset(row.get("pauses_on", [])),
                extension_days=int(row.get("extension_days", 0)),
                extension_approval=Approver(approval),
            )
        )
    return rules


def load_rules(path: Path) -> list[StepRule]:
    return parse_rules(path.read_text("utf-8"))


@dataclass(frozen=True)
class AckRule:
    days: int
    unit: str
    escalate_after: int
    confidence: str


def parse_ack_rule(text: str) -> AckRule:
    row = tomllib.loads(text).get("acknowledgement", {})
    rule = AckRule(
        days=int(row.get("days", 2)),
        unit=row.get("unit", "working"),
        escalate_after=int(row.get("escalate_after", 2)),
        confidence=row.get("confidence", "C"),
    )
    if rule.unit not in UNITS or rule.days < 1 or rule.escalate_after < 0:
        raise ValueError(
            "sla acknowledgement: days ≥ 1, escalate_after ≥ 0, unit working or calendar"
        )
    return rule


def ack_alert_for(days_since_due: int, rule: AckRule) -> str | None:
    """Unacknowledged past its due date: remind; ``escalate_after`` days later: escalate."""
    if days_since_due < 0:
        return None
    return "escalation" if days_since_due >= rule.escalate_after else "reminder"


@dataclass(frozen=True)
class ClockChange:
    step: str
    change: str  # start, pause, resume, stop


def clock_changes(
    rules: Iterable[StepRule],
    *,
    kind: str,
    from_status: str | None,
    to_status: str,
    running: set[str],
    paused: set[str],
) -> list[ClockChange]:
    """What a status change does to each step clock of a case of ``kind``."""
    changes = []
    for rule in rules:
        if rule.kind != kind:
            continue
        active = rule.step in running or rule.step in paused
        if to_status in rule.ends_on and active:
            changes.append(ClockChange(rule.step, "stop"))
        elif to_status in rule.pauses_on and rule.step in running:
            changes.append(ClockChange(rule.step, "pause"))
        elif rule.step in paused and from_status in rule.pauses_on:
            changes.append(ClockChange(rule.step, "resume"))
        elif to_status in rule.starts_on and not active:
            changes.append(ClockChange(rule.step, "start"))
    return changes


def due_after(start: date, days: int, unit: str, lookup: Lookup) -> Due:
    if unit == "working":
        return add_working_days(start, days, lookup)
    return add_calendar_days(start, days, lookup)


def shift_for_pause(due: date, paused_on: date, resumed_on: date, unit: str, lookup: Lookup) -> Due:
    """The due date after a pause: moved by the time the clock stood still."""
    if unit == "working":
        stood = max(0, working_days_between(paused_on, resumed_on, lookup))
        return add_working_days(due, stood, lookup) if stood else Due(due, False)
    stood = max(0, (resumed_on - paused_on).days)
    return add_calendar_days(due, stood, lookup) if stood else Due(due, False)


def remaining_days(due: date, today: date, unit: str, lookup: Lookup) -> int:
    """Days left until the due date (0 on the day itself), negative once it is past."""
    if unit == "working":
        return working_days_between(today, due, lookup)
    return (due - today).days


def alert_for(remaining: int, *, window: int) -> str | None:
    """What the owing office should be told today: a reminder, an escalation, or nothing."""
    if remaining < 0:
        return "escalation"
    if remaining <= window:
        return "reminder"
    return None
