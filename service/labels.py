"""User-facing names of statuses, actions, roles and events (translated at render time)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "draft": _l("Draft"),
    "requested": _l("Requested"),
    "received": _l("Received"),
    "returned": _l("Returned for completion"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "in_progress": _l("In progress"),
    "on_hold": _l("On hold"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}

ACTION = {
    "file": _l("Filed"),
    "receive": _l("Opened by the receiving office"),
    "accept": _l("Accept"),
    "reject": _l("Reject"),
    "return": _l("Return for completion"),
    "resubmit": _l("Resubmit"),
    "cancel": _l("Cancel request"),
    "start": _l("Start work"),
    "hold": _l("Put on hold"),
    "resume": _l("Resume"),
    "complete": _l("Complete"),
}

# Past tense, for the timeline.
DONE = {
    "file": _l("filed the request"),
    "receive": _l("opened the request"),
    "accept": _l("accepted"),
    "reject": _l("rejected"),
    "return": _l("returned for completion"),
    "resubmit": _l("resubmitted"),
    "cancel": _l("cancelled"),
    "start": _l("started work"),
    "hold": _l("put the case on hold"),
    "resume": _l("resumed work"),
    "complete": _l("completed"),
    "remind": _l("deadline reminder sent"),
    "escalate": _l("overdue: escalated"),
    "extension_request": _l("requested an extension"),
    "extension_approve": _l("approved the extension; new due date"),
    "extension_reject": _l("rejected the extension"),
}

KIND = {"general": _l("General cooperation request")}

ROLE = {
    "clerk": _l("Clerk"),
    "investigator": _l("Investigator"),
    "supervisor": _l("Supervisor"),
    "regional_supervisor": _l("Regional supervisor"),
    "admin": _l("Administrator"),
}

EVENT = {
    "case.requested": _l("Request received"),
    "case.resubmitted": _l("Request resubmitted"),
    "case.received": _l("Request opened"),
    "case.accepted": _l("Request accepted"),
    "case.rejected": _l("Request rejected"),
    "case.returned": _l("Returned for completion"),
    "case.cancelled": _l("Request cancelled"),
    "case.completed": _l("Request completed"),
    "case.on_hold": _l("Put on hold"),
    "case.resumed": _l("Work resumed"),
    "sla.reminder": _l("Deadline reminder"),
    "sla.escalation": _l("Deadline passed"),
    "sla.extension_requested": _l("Extension to approve"),
    "ack.reminder": _l("Acknowledgement reminder"),
    "ack.escalation": _l("Acknowledgement overdue"),
    "digest": _l("Daily digest"),
}

CHANNEL = {"inbox": _l("Inbox"), "email": _l("E-mail"), "webhook": _l("Webhook")}

DELIVERY_STATUS = {
    "queued": _l("queued"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "failed": _l("failed, will retry"),
    "dead": _l("dead-lettered"),
}

STEP_UNIT = {"working": _l("working days"), "calendar": _l("calendar days")}

CLOCK_STATUS = {
    "running": _l("running"),
    "paused": _l("paused"),
    "met": _l("met"),
    "breached": _l("breached"),
}

FIELD = {
    "receiving_office": _l("Receiving office"),
    "title": _l("Title"),
    "description": _l("Description"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "username": _l("Username"),
    "password": _l("Password"),
    "kind": _l("Kind"),
    "body": _l("Request body"),
    "file": _l("Evidence file"),
}
