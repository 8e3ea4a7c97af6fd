"""The case state machine as a table: who may take which action from which status.

Pure: takes plain values, returns the transition or raises a domain error a clerk understands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from service.errors import N_, Conflict, FieldError, Forbidden, ValidationFailed


class Status(StrEnum):
    draft = "draft"
    requested = "requested"
    received = "received"
    returned = "returned"  # 补正: returned for completion
    accepted = "accepted"
    rejected = "rejected"
    in_progress = "in_progress"
    on_hold = "on_hold"
    completed = "completed"
    cancelled = "cancelled"


FINAL = frozenset({Status.rejected, Status.completed, Status.cancelled})


class Side(StrEnum):
    """Which office of the case acts or is told."""

    filer = "filer"
    receiver = "receiver"
    owner = "owner"


# Roles that work general requests; regional supervisors read, admins see no case content.
CASE_WORKER_ROLES = frozenset({"clerk", "investigator", "supervisor"})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status
    by: Side
    notify: Side | None
    reason_required: bool = False
    owner_becomes: Side | None = None


def _t(
    action: str,
    sources: Iterable[Status],
    target: Status,
    by: Side,
    notify: Side | None,
    **kw: object,
) -> Transition:
    return Transition(action, frozenset(sources), target, by, notify, **kw)  # type: ignore[arg-type]


OPEN_REQUEST = (Status.requested, Status.received)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        # the first time a receiving-office user opens the case: the filer's read receipt
        _t("receive", [Status.requested], Status.received, Side.receiver, Side.filer),
        _t(
            "accept",
            OPEN_REQUEST,
            Status.accepted,
            Side.receiver,
            Side.filer,
            owner_becomes=Side.receiver,
        ),
        _t(
            "reject", OPEN_REQUEST, Status.rejected, Side.receiver, Side.filer, reason_required=True
        ),
        _t(
            "return", OPEN_REQUEST, Status.returned, Side.receiver, Side.filer, reason_required=True
        ),
        _t("resubmit", [Status.returned], Status.requested, Side.filer, Side.receiver),
        _t(
            "cancel",
            [Status.draft, *OPEN_REQUEST, Status.returned],
            Status.cancelled,
            Side.filer,
            Side.receiver,
        ),
        _t("start", [Status.accepted], Status.in_progress, Side.owner, None),
        # on hold pauses the step's clock; the reason is shown to the partner office
        _t(
            "hold",
            [Status.accepted, Status.in_progress],
            Status.on_hold,
            Side.owner,
            Side.filer,
            reason_required=True,
        ),
        _t("resume", [Status.on_hold], Status.in_progress, Side.owner, Side.filer),
        _t(
            "complete",
            [Status.accepted, Status.in_progress],
            Status.completed,
            Side.owner,
            Side.filer,
        ),
    )
}

# Actions a user chooses; "receive" happens by itself when the case is opened.
USER_ACTIONS = tuple(a for a in TRANSITIONS if a != "receive")


@dataclass(frozen=True)
class CaseFacts:
    status: Status
    filing_office: str
    receiving_office: str
    owner_office: str


def sides_of(case: CaseFacts, office: str) -> set[Side]:
    sides = set()
    if office == case.filing_office:
        sides.add(Side.filer)
    if office == case.receiving_office:
        sides.add(Side.receiver)
    if office == case.owner_office:
        sides.add(Side.owner)
    return sides


def office_for(case: CaseFacts, side: Side) -> str:
    return {
        Side.filer: case.filing_office,
        Side.receiver: case.receiving_office,
        Side.owner: case.owner_office,
    }[side]


def check_action(
    case: CaseFacts, *, office: str, role: str, action: str, reason: str = ""
) -> Transition:
    """The transition ``action`` makes, or the reason it may not be taken."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Conflict(N_("Unknown action “%(action)s”."), action=action)
    if role not in CASE_WORKER_ROLES or transition.by not in sides_of(case, office):
        raise Forbidden(
            N_("Your office may not take the action “%(action)s” on this case."), action=action
        )
    if case.status not in transition.sources:
        raise Conflict(
            N_("The action “%(action)s” is not possible while the case is “%(status)s”."),
            action=action,
            status=case.status.value,
        )
    if transition.reason_required and not reason.strip():
        raise ValidationFailed(
            errors=[FieldError("reason", N_("A reason is required for this action."))]
        )
    return transition


def available_actions(case: CaseFacts, *, office: str, role: str) -> list[str]:
    allowed = []
    for action in USER_ACTIONS:
        transition = TRANSITIONS[action]
        if (
            role in CASE_WORKER_ROLES
            and transition.by in sides_of(case, office)
            and case.status in transition.sources
        ):
            allowed.append(action)
    return allowed


def case_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:06d}"
