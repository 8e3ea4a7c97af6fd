"""User-facing names of statuses, actions, roles and events (translated at render time)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask_babel import lazy_gettext as _l

STATUS = {
    "draft": _l("Draft"),
    "requested": _l("Requested"),
    "received": _l("Received"),
    "returned": _l("Returned for completion"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "in_progress": _l("In progress"),
    "on_hold": _l("Work suspended"),
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
    "hold": _l("Suspend work"),
    "resume": _l("Resume"),
    "complete": _l("Complete"),
    "issue_form": _l("Issue the information form"),
    "credit_balance": _l("Record the balance as credited"),
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
    "hold": _l("suspended work"),
    "resume": _l("resumed work"),
    "complete": _l("completed"),
    "issue_form": _l("issued the information form"),
    "credit_balance": _l("recorded the account balance as credited"),
    "remind": _l("deadline reminder sent"),
    "escalate": _l("overdue: escalated"),
    "extension_request": _l("requested an extension"),
    "extension_approve": _l("approved the extension; new due date"),
    "extension_reject": _l("rejected the extension"),
    "attach": _l("added an evidence file"),
}


class _FromRegistry(Mapping):
    """Labels the registered case kinds declare (msgids), translated when shown."""

    def _labels(self) -> dict[str, str]:
        raise NotImplementedError

    def __getitem__(self, code: str):
        return _l(self._labels()[code])

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels())

    def __len__(self) -> int:
        return len(self._labels())


class _KindLabels(_FromRegistry):
    def _labels(self) -> dict[str, str]:
        from service.cases.kinds import registry

        return {k.code: k.label for k in registry()}


class _EventLabels(_FromRegistry):
    """The kinds' own events, then the ones every case shares (deadlines, digests)."""

    def _labels(self) -> dict[str, str]:
        from service.cases.kinds import registry

        return {**registry().events(), **_SHARED_EVENTS}

    def __getitem__(self, code: str):
        return _SHARED_EVENTS[code] if code in _SHARED_EVENTS else _l(self._labels()[code])


KIND = _KindLabels()

ROLE = {
    "clerk": _l("Clerk"),
    "investigator": _l("Investigator"),
    "supervisor": _l("Supervisor"),
    "regional_supervisor": _l("Regional supervisor"),
    "admin": _l("Administrator"),
}

_SHARED_EVENTS = {
    "sla.reminder": _l("Deadline reminder"),
    "sla.escalation": _l("Deadline passed"),
    "sla.extension_requested": _l("Extension to approve"),
    "sla.extension_granted": _l("Deadline extended"),
    "ack.reminder": _l("Acknowledgement reminder"),
    "ack.escalation": _l("Acknowledgement overdue"),
    "digest": _l("Daily digest"),
    "account.locked": _l("Account locked"),
}
EVENT = _EventLabels()

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
