"""The case state machine as data: each kind's table of who may take which action from which
status, and what it leads to.

Pure: takes plain values, returns the transition or raises a domain error a clerk understands.
The tables themselves live with their kinds (``service/<kind>/rules.py``); this module knows no
kind by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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
    on_hold = "on_hold"  # 中止办理: work stands still, the clock is paused
    completed = "completed"
    cancelled = "cancelled"


FINAL = frozenset({Status.rejected, Status.completed, Status.cancelled})


class Side(StrEnum):
    """The parts an office plays in a case. A kind may add sides of its own (a transfer's
    transfer-out and transfer-in office); these are the ones every case understands."""

    filer = "filer"
    receiver = "receiver"
    owner = "owner"  # the office that has the case in hand (the filer until someone accepts)
    assisting = "assisting"  # asked to assist (协查); sees the case, answers its assist request
    designating = "designating"  # the bureau designating jurisdiction (指定管辖)


# Sides that are one office at a time, mirrored on the case row for lists and the API.
SINGLE_SIDES = (Side.filer, Side.receiver, Side.owner)

# The roles that work cases in an office; regional supervisors read, admins see no case content.
CASE_WORKERS = frozenset({"clerk", "investigator", "supervisor"})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status
    by: frozenset[str]  # sides that may take it
    notify: frozenset[str] = frozenset()  # sides told about it (never the acting office)
    roles: frozenset[str] = CASE_WORKERS
    reason_required: bool = False
    confirm: bool = False  # the page asks "are you sure?" before it is sent
    owner_becomes: str | None = None  # the side that owns the case afterwards
    business_from: frozenset[str] | None = None  # business statuses it may be taken in
    business_to: str | None = None  # the business status it leads to
    automatic: bool = False  # happens by itself (the read receipt), never offered as a choice
    waits: bool = True  # while it is possible, the case is "waiting for" the side that takes it
    # A step owed by one office of the case (a transfer's transfer-out): another party office
    # taking it conflicts with the case's state (409), rather than being refused outright (403).
    owed_step: bool = False
    # A condition on the kind's own facts (``CaseFacts.flags``, e.g. a transfer with a balance):
    # returns the msgid saying why the action is not possible, or None when it is.
    guard: Callable[[CaseFacts], str | None] | None = None


def transition(
    action: str,
    sources: Iterable[Status],
    target: Status,
    *,
    by: str | Iterable[str],
    notify: str | Iterable[str] = (),
    **kw: object,
) -> Transition:
    """A row of a kind's table: ``by`` and ``notify`` take a side or several."""
    by_sides = frozenset([by] if isinstance(by, str) else by)
    notify_sides = frozenset([notify] if isinstance(notify, str) else notify)
    return Transition(action, frozenset(sources), target, by_sides, notify_sides, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Workflow:
    """One kind's transitions, by action."""

    transitions: Mapping[str, Transition]
    sides: frozenset[str] = frozenset(Side)

    @classmethod
    def of(cls, *rows: Transition, extra_sides: Iterable[str] = ()) -> Workflow:
        table = {row.action: row for row in rows}
        if len(table) != len(rows):
            raise ValueError("an action appears twice in the table")
        sides = frozenset(Side) | frozenset(extra_sides)
        for row in rows:
            unknown = (row.by | row.notify | {row.owner_becomes or Side.owner}) - sides
            if unknown:
                raise ValueError(f"action {row.action}: unknown sides {sorted(unknown)}")
        return cls(table, sides)

    @property
    def user_actions(self) -> tuple[str, ...]:
        return tuple(a for a, t in self.transitions.items() if not t.automatic)

    @property
    def statuses(self) -> frozenset[Status]:
        reachable = {Status.requested}
        for t in self.transitions.values():
            reachable |= t.sources | {t.target}
        return frozenset(reachable)


OPEN_REQUEST = (Status.requested, Status.received)


def answering(
    *, accept: dict | None = None, cancel_from: Iterable[Status] = ()
) -> tuple[Transition, ...]:
    """The rows every request between two offices starts with: the receiving office's read
    receipt and its answer — accept (it then owns the case), reject, or return for completion
    (补正: the clock stands still until the filer resubmits), the last two with a reason — and
    the filer's resubmission and withdrawal (with a reason, after confirming). ``accept``: more
    of the accept row (its business step); ``cancel_from``: statuses beyond the open request."""
    return (
        # the first time a receiving-office user opens the case: the filer's read receipt
        transition(
            "receive",
            [Status.requested],
            Status.received,
            by=Side.receiver,
            notify=Side.filer,
            automatic=True,
        ),
        transition(
            "accept",
            OPEN_REQUEST,
            Status.accepted,
            by=Side.receiver,
            notify=Side.filer,
            owner_becomes=Side.receiver,
            **(accept or {}),
        ),
        transition(
            "reject",
            OPEN_REQUEST,
            Status.rejected,
            by=Side.receiver,
            notify=Side.filer,
            reason_required=True,
            confirm=True,
        ),
        transition(
            "return",
            OPEN_REQUEST,
            Status.returned,
            by=Side.receiver,
            notify=Side.filer,
            reason_required=True,
        ),
        transition(
            "resubmit", [Status.returned], Status.requested, by=Side.filer, notify=Side.receiver
        ),
        # the filer may always withdraw an open request; that is not "waiting for" the filer
        transition(
            "cancel",
            [*cancel_from, *OPEN_REQUEST, Status.returned],
            Status.cancelled,
            by=Side.filer,
            notify=Side.receiver,
            reason_required=True,
            confirm=True,
            waits=False,
        ),
    )


@dataclass(frozen=True)
class CaseFacts:
    """The values the rules decide on: the case's state and who plays which part in it."""

    kind: str
    status: Status
    parties: frozenset[tuple[str, str]]  # (office code, side)
    business_status: str | None = None
    flags: frozenset[str] = frozenset()  # facts of the kind's own a step depends on

    @classmethod
    def build(
        cls,
        kind: str,
        status: Status | str,
        parties: Iterable[tuple[str, str]],
        business_status: str | None = None,
        flags: Iterable[str] = (),
    ) -> CaseFacts:
        return cls(kind, Status(status), frozenset(parties), business_status, frozenset(flags))


def sides_of(case: CaseFacts, office: str) -> set[str]:
    return {side for code, side in case.parties if code == office}


def offices_for(case: CaseFacts, side: str) -> list[str]:
    """The offices on ``side`` (assisting offices may be several), in a stable order."""
    return sorted(code for code, s in case.parties if s == side)


def office_for(case: CaseFacts, side: str) -> str:
    """The one office on a single-office side (filer, receiver, owner, or a kind's own)."""
    offices = offices_for(case, side)
    if len(offices) != 1:
        raise ValueError(f"side {side} has {len(offices)} offices")
    return offices[0]


def _allowed(t: Transition, case: CaseFacts, office: str, role: str) -> bool:
    return role in t.roles and bool(t.by & sides_of(case, office))


def _in_state(t: Transition, case: CaseFacts) -> bool:
    if case.status not in t.sources:
        return False
    return t.business_from is None or case.business_status in t.business_from


def _guarded(t: Transition, case: CaseFacts) -> str | None:
    return t.guard(case) if t.guard is not None else None


def check_action(
    workflow: Workflow,
    case: CaseFacts,
    *,
    office: str,
    role: str,
    action: str,
    reason: str = "",
) -> Transition:
    """The transition ``action`` makes, or the reason it may not be taken."""
    t = workflow.transitions.get(action)
    if t is None:
        raise Conflict(N_("Unknown action “%(action)s”."), action=action)
    if not _allowed(t, case, office, role):
        if t.owed_step and role in t.roles and sides_of(case, office):
            raise Conflict(
                N_("The step “%(action)s” is owed by the other office of this case, not yours."),
                action=action,
            )
        raise Forbidden(
            N_("Your office may not take the action “%(action)s” on this case."), action=action
        )
    if not _in_state(t, case):
        raise Conflict(
            N_("The action “%(action)s” is not possible while the case is “%(status)s”."),
            action=action,
            status=case.status.value,
        )
    refusal = _guarded(t, case)
    if refusal is not None:
        raise Conflict(refusal)
    if t.reason_required and not reason.strip():
        raise ValidationFailed(
            errors=[FieldError("reason", N_("A reason is required for this action."))]
        )
    return t


def available_actions(workflow: Workflow, case: CaseFacts, *, office: str, role: str) -> list[str]:
    return [
        action
        for action in workflow.user_actions
        if _allowed(workflow.transitions[action], case, office, role)
        and _in_state(workflow.transitions[action], case)
        and _guarded(workflow.transitions[action], case) is None
    ]


@dataclass(frozen=True)
class Outcome:
    """What taking a transition changes on the case, for the service to apply."""

    status: Status
    business_status: str | None
    owner: str | None  # the new owner office, if ownership moves
    notify: tuple[str, ...] = field(default=())


def outcome(t: Transition, case: CaseFacts, *, acting_office: str) -> Outcome:
    owner = office_for(case, t.owner_becomes) if t.owner_becomes else None
    after = CaseFacts(
        case.kind,
        t.target,
        case.parties
        if owner is None
        else frozenset(p for p in case.parties if p[1] != Side.owner) | {(owner, Side.owner)},
        t.business_to or case.business_status,
        case.flags,
    )
    recipients: list[str] = []
    for side in sorted(t.notify):
        for office in offices_for(after, side):
            if office != acting_office and office not in recipients:
                recipients.append(office)
    return Outcome(t.target, t.business_to or case.business_status, owner, tuple(recipients))


def case_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:06d}"
