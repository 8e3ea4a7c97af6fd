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
    "complete": _l("completed"),
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
}
