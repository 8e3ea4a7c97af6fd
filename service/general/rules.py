"""The general request's state machine: the receiving office answers (accept, reject, return
for completion), the office that accepted it works and completes it."""

from __future__ import annotations

from service.cases.rules import Side, Status, Workflow, transition

OPEN_REQUEST = (Status.requested, Status.received)

WORKFLOW = Workflow.of(
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
        [Status.draft, *OPEN_REQUEST, Status.returned],
        Status.cancelled,
        by=Side.filer,
        notify=Side.receiver,
        reason_required=True,
        confirm=True,
        waits=False,
    ),
    transition("start", [Status.accepted], Status.in_progress, by=Side.owner, notify=Side.filer),
    # 中止办理 pauses the step's clock; the reason is shown to the partner office
    transition(
        "hold",
        [Status.accepted, Status.in_progress],
        Status.on_hold,
        by=Side.owner,
        notify=Side.filer,
        reason_required=True,
    ),
    transition("resume", [Status.on_hold], Status.in_progress, by=Side.owner, notify=Side.filer),
    transition(
        "complete",
        [Status.accepted, Status.in_progress],
        Status.completed,
        by=Side.owner,
        notify=Side.filer,
        confirm=True,
    ),
)
