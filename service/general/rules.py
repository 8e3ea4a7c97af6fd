"""The general request's state machine: the receiving office answers (accept, reject, return
for completion), the office that accepted it works and completes it."""

from __future__ import annotations

from service.cases.rules import Side, Status, Workflow, answering, transition

WORKFLOW = Workflow.of(
    *answering(cancel_from=[Status.draft]),
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
