"""Outbox and inbox: notifications are written with the change that causes them, in the inbox
at once, and delivered by the workers on every other channel that reaches the recipient office
(``channels.py``), at most once per channel however often they are dispatched; failed attempts
are retried with backoff and dead-lettered after the last one (``service.outbox.engine``). Also
the senders' receipts and the administrators' view."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sqlalchemy import func
from sqlmodel import Session, select

from config import Settings, get_settings
from service.accounts.models import Role, User
from service.audit import service as audit
from service.broker import DELIVER_TASK, EXTERNAL_QUEUE, WORK_QUEUE
from service.db import take_id, utcnow
from service.errors import N_, FieldError, NotFound, ValidationFailed
from service.notifications import channels, rules
from service.notifications.models import Delivery, Notification, WebhookEndpoint
from service.notifications.rules import DeliveryStatus
from service.offices.models import Office
from service.outbox import engine
from service.validation import is_email

log = logging.getLogger(__name__)


def _settings() -> Settings:
    # The app's settings; outside an app context (a script, a test) the process's own.
    return current_app.config["REFERRAL"] if has_app_context() else get_settings()


# The channels a notification may be delivered on (one delivery row each at most).
CHANNELS = channels.CHANNEL_COUNT


def read_offices(session: Session) -> None:
    """Every office and how it is reached, read at once for a transaction that is about to
    notify some of them (``channels.read_offices``)."""
    channels.read_offices(session)


def enqueue(
    session: Session,
    *,
    event: str,
    recipient_office: str,
    title: str,
    body: str = "",
    case_id: int | None = None,
    sender_office: str | None = None,
    requires_ack: bool = False,
    only_channels: tuple[str, ...] | None = None,
) -> Notification:
    """Write a notification and one delivery per channel that reaches the recipient office
    (the inbox always, unless ``only_channels`` names the channels to use).

    The inbox is delivered at once, in the caller's transaction: the item is in the partner's
    inbox the moment the change commits, whatever the workers are doing. The other channels
    are nudged once the transaction commits."""
    now = utcnow()
    notification = Notification(
        case_id=case_id,
        event=event,
        sender_office=sender_office,
        recipient_office=recipient_office,
        title=title,
        body=body,
        requires_ack=requires_ack,
    )
    notification.id = take_id(session, Notification)
    session.add(notification)
    if notification.id is None:
        session.flush()
    deliveries = []
    for channel in channels.registry(_settings()).values():
        if only_channels is not None and channel.name not in only_channels:
            continue
        if not channel.applies(session, notification):
            continue
        delivery = Delivery(notification_id=notification.id, channel=channel.name)
        if isinstance(channel, channels.TransactionalChannel):
            delivery.attempts, delivery.last_attempt_at = 1, now
            engine.mark_done(DELIVERIES, delivery, channel.deliver(session, notification), now)
        else:
            DELIVERIES.nudge(session, delivery)
        deliveries.append(delivery)
    session.add_all(deliveries)  # written with the transaction's next flush
    return notification


class _InTransaction(engine.InTransaction):
    def __init__(self, channel: channels.TransactionalChannel, notification: Notification):
        self.channel, self.notification = channel, notification

    def run(self, session: Session, row: Delivery) -> str:
        return self.channel.deliver(session, self.notification)


class _External(engine.External):
    def __init__(self, channel: channels.ExternalChannel, notification: Notification):
        self.channel, self.notification = channel, notification

    def prepare(self, session: Session, row: Delivery) -> object:
        return self.channel.prepare(session, self.notification)

    def send(self, outgoing: object, *, attempt: int) -> str:
        return self.channel.send(outgoing, attempt=attempt)


def _work(session: Session, delivery: Delivery) -> engine.Work:
    channel = channels.registry(_settings()).get(delivery.channel)
    if channel is None:
        raise channels.PermanentFailure(f"unknown channel {delivery.channel!r}")
    notification = session.get(Notification, delivery.notification_id)
    if isinstance(channel, channels.TransactionalChannel):
        return _InTransaction(channel, notification)
    assert isinstance(channel, channels.ExternalChannel)
    return _External(channel, notification)


def _queue(delivery: Delivery) -> str:
    return WORK_QUEUE if delivery.channel == channels.InboxChannel.name else EXTERNAL_QUEUE


# A notification's deliveries are the outbox of the channels (``service.outbox.engine``): the
# inbox is exactly once (its effect is the notification row itself); e-mail and webhooks are at
# least once with a stable id (``channels``).
DELIVERIES = engine.Outbox(
    name="deliveries",
    model=Delivery,
    task=DELIVER_TASK,
    leased=DeliveryStatus.sending,
    done=rules.DONE,
    done_field="delivered_at",
    work=_work,
    queue=_queue,
    label=lambda delivery: f"{delivery.id} ({delivery.channel})",
)

DeliveryFailed = engine.AttemptFailed


def deliver(session: Session, *, delivery_id: int) -> bool:
    """Attempt one delivery (``engine.attempt``): True when this call delivered it; False when
    there was nothing to do. A failed attempt is recorded and raises ``DeliveryFailed``."""
    return engine.attempt(session, DELIVERIES, delivery_id)


def relay_overdue(
    session: Session, *, grace_seconds: float, backlog: int | None = 0, limit: int = 500
) -> list[int]:
    """Re-dispatch deliveries whose nudge was lost (``engine.relay``); returns their ids."""
    return engine.relay(
        session, DELIVERIES, grace_seconds=grace_seconds, backlog=backlog, limit=limit
    )


# --------------------------------------------------------------------------- administrators


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise NotFound()


@dataclass(frozen=True)
class DeliveryRow:
    delivery: Delivery
    notification: Notification


def deliveries_needing_attention(
    session: Session, *, actor: User, limit: int = 200
) -> list[DeliveryRow]:
    """Failed (retry pending) and dead-lettered deliveries, newest attempt first."""
    _require_admin(actor)
    rows = session.exec(
        select(Delivery, Notification)
        .join(Notification, Notification.id == Delivery.notification_id)
        .where(Delivery.status.in_(rules.NEEDS_ATTENTION))
        .order_by(Delivery.last_attempt_at.desc(), Delivery.id.desc())
        .limit(limit)
    ).all()
    return [DeliveryRow(d, n) for d, n in rows]


def retry_delivery(session: Session, *, actor: User, delivery_id: int, ip: str = "") -> Delivery:
    """Re-queue a failed or dead delivery with a fresh set of attempts. It is the same
    notification, so a retried webhook carries the same event id."""
    _require_admin(actor)
    delivery = engine.locked(session, DELIVERIES, delivery_id)
    if delivery is None or delivery.status not in rules.NEEDS_ATTENTION:
        session.rollback()
        raise NotFound(N_("This delivery is not waiting for a retry."))
    audit.record(
        session,
        action="delivery.retry",
        object_type="delivery",
        object_id=delivery.id,
        user=actor,
        ip=ip,
        channel=delivery.channel,
        previous_status=delivery.status,
        previous_attempts=delivery.attempts,
        last_error=delivery.last_error,
    )
    engine.requeue(session, DELIVERIES, delivery)
    session.commit()
    return delivery


OFFICE_CODE = re.compile(r"[a-z0-9_-]{1,32}")


@dataclass(frozen=True)
class OfficeChannels:
    office: Office
    webhook: WebhookEndpoint | None
    email_recipients: list[str]


def office_channels(session: Session, *, actor: User, office_code: str) -> OfficeChannels:
    _require_admin(actor)
    office = session.get(Office, office_code) if OFFICE_CODE.fullmatch(office_code) else None
    if office is None:
        raise NotFound()
    return OfficeChannels(
        office=office,
        webhook=session.get(WebhookEndpoint, office_code),
        email_recipients=channels.email_recipients(session, office_code),
    )


def all_office_channels(session: Session, *, actor: User) -> list[OfficeChannels]:
    _require_admin(actor)
    offices = session.exec(select(Office).order_by(Office.kind.desc(), Office.division_code))
    return [office_channels(session, actor=actor, office_code=o.code) for o in offices]


MIN_SECRET_LENGTH = 16


def _refused_webhook_host(host: str, port: int) -> str:
    """The first address of the host webhooks may not go to ("" if none). A name that does not
    resolve now is let through: every attempt resolves it again and checks what it gets."""
    try:
        addresses = channels.resolve_host(host, port)
    except (OSError, UnicodeError):
        return ""
    refused = channels.refused_addresses(addresses, _settings())
    return refused[0] if refused else ""


def set_office_channels(
    session: Session,
    *,
    actor: User,
    office_code: str,
    duty_email: str,
    webhook_url: str,
    webhook_secret: str = "",
    webhook_active: bool = True,
    ip: str = "",
) -> OfficeChannels:
    """Set an office's duty e-mail address and webhook endpoint. An empty secret keeps the
    current one; an empty URL removes the endpoint."""
    current = office_channels(session, actor=actor, office_code=office_code)
    duty_email, webhook_url, webhook_secret = (
        duty_email.strip(),
        webhook_url.strip(),
        webhook_secret.strip(),
    )
    errors = []
    if duty_email and not is_email(duty_email):
        errors.append(FieldError("duty_email", N_("Enter an e-mail address like name@example.cn.")))
    if webhook_url:
        parts = urlsplit(webhook_url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:  # not a port number
            port = None
        if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
            errors.append(
                FieldError("webhook_url", N_("Enter an address starting with https:// or http://."))
            )
        elif refused := _refused_webhook_host(parts.hostname, port):
            errors.append(
                FieldError(
                    "webhook_url",
                    N_(
                        "Webhooks may not go to %(address)s: a loopback, private or other "
                        "internal address. An administrator can allow such a network with the "
                        "setting REFERRAL_WEBHOOK_ALLOWED_NETWORKS."
                    ),
                    {"address": refused},
                )
            )
        if not webhook_secret and current.webhook is None:
            errors.append(FieldError("webhook_secret", N_("A new endpoint needs a secret.")))
    if webhook_secret and len(webhook_secret) < MIN_SECRET_LENGTH:
        errors.append(
            FieldError(
                "webhook_secret",
                N_("The secret must have at least %(count)s characters."),
                {"count": MIN_SECRET_LENGTH},
            )
        )
    if errors:
        raise ValidationFailed(errors=errors)
    office = current.office
    office.duty_email = duty_email
    session.add(office)
    endpoint = current.webhook
    if webhook_url:
        if endpoint is None:
            endpoint = WebhookEndpoint(office_code=office.code, url=webhook_url, secret="")
        endpoint.url = webhook_url
        endpoint.secret = webhook_secret or endpoint.secret
        endpoint.active = webhook_active
        endpoint.updated_at = utcnow()
        session.add(endpoint)
    elif endpoint is not None:
        session.delete(endpoint)
    audit.record(
        session,
        action="office.channels",
        object_type="office",
        object_id=office.code,
        user=actor,
        ip=ip,
        duty_email=duty_email,
        webhook_url=webhook_url,
        webhook_active=bool(webhook_url) and webhook_active,
        secret_changed=bool(webhook_secret),  # never the secret itself
    )
    session.commit()
    return office_channels(session, actor=actor, office_code=office.code)


# --------------------------------------------------------------------------- receipts


@dataclass(frozen=True)
class Receipt:
    """What the sending office sees of one notification: delivered (per channel), read, acked."""

    notification: Notification
    deliveries: list[Delivery]
    read_by: User | None
    acknowledged_by: User | None


def receipts(session: Session, *, sender_office: str, case_id: int) -> list[Receipt]:
    """The notifications ``sender_office`` sent about a case, oldest first. The caller has made
    sure the office may see the case."""
    sent = session.exec(
        select(Notification)
        .where(Notification.case_id == case_id, Notification.sender_office == sender_office)
        .order_by(Notification.id)
    ).all()
    if not sent:
        return []
    by_notification: dict[int, list[Delivery]] = {}
    for delivery in session.exec(
        select(Delivery)
        .where(Delivery.notification_id.in_([n.id for n in sent]))
        .order_by(Delivery.id)
    ):
        by_notification.setdefault(delivery.notification_id, []).append(delivery)
    user_ids = {n.read_by for n in sent} | {n.acknowledged_by for n in sent}
    user_ids.discard(None)
    users = (
        {u.id: u for u in session.exec(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    return [
        Receipt(
            notification=n,
            deliveries=by_notification.get(n.id, []),
            read_by=users.get(n.read_by),
            acknowledged_by=users.get(n.acknowledged_by),
        )
        for n in sent
    ]


# --------------------------------------------------------------------------- inbox


def has_inbox(actor: User) -> bool:
    """Administrators belong to an office on paper only (the demo admin to the Sichuan
    bureau): they have no office inbox, see none of its notifications, acknowledge nothing."""
    return actor.role != Role.admin


def _inbox_query(office_code: str):
    return select(Notification).where(
        Notification.recipient_office == office_code, Notification.delivered_at.is_not(None)
    )


def inbox(
    session: Session,
    *,
    actor: User,
    unread: bool = False,
    cursor: int | None = None,
    limit: int = 20,
) -> tuple[list[Notification], int | None]:
    if not has_inbox(actor):
        return [], None
    query = _inbox_query(actor.office_code)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    if cursor:
        query = query.where(Notification.id < cursor)
    rows = list(session.exec(query.order_by(Notification.id.desc()).limit(limit + 1)))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def unread_count(session: Session, *, actor: User) -> int:
    if not has_inbox(actor):
        return 0
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.recipient_office == actor.office_code,
            Notification.delivered_at.is_not(None),
            Notification.read_at.is_(None),
        )
    ).one()


def get_item(session: Session, *, actor: User, notification_id: int) -> Notification:
    item = session.get(Notification, notification_id) if has_inbox(actor) else None
    if item is None or item.recipient_office != actor.office_code or item.delivered_at is None:
        raise NotFound()
    return item


def mark_read(session: Session, *, actor: User, notification_id: int, ip: str = "") -> Notification:
    item = get_item(session, actor=actor, notification_id=notification_id)
    if item.read_at is None:
        item.read_at = utcnow()
        item.read_by = actor.id
        session.add(item)
        audit.record(
            session,
            action="inbox.read",
            object_type="notification",
            object_id=item.id,
            user=actor,
            ip=ip,
        )
        session.commit()
    return item


def acknowledge(
    session: Session, *, actor: User, notification_id: int, ip: str = ""
) -> Notification:
    item = get_item(session, actor=actor, notification_id=notification_id)
    if item.acknowledged_at is None:
        now = utcnow()
        item.acknowledged_at = now
        item.acknowledged_by = actor.id
        if item.read_at is None:
            item.read_at, item.read_by = now, actor.id
        session.add(item)
        audit.record(
            session,
            action="inbox.ack",
            object_type="notification",
            object_id=item.id,
            user=actor,
            ip=ip,
        )
        session.commit()
    return item


def mark_case_items_read(session: Session, *, actor: User, case_id: int) -> int:
    """Opening a case reads the office's inbox items about it (committed by the caller)."""
    if not has_inbox(actor):
        return 0
    now = utcnow()
    items = session.exec(
        _inbox_query(actor.office_code).where(
            Notification.case_id == case_id, Notification.read_at.is_(None)
        )
    ).all()
    for item in items:
        item.read_at, item.read_by = now, actor.id
        session.add(item)
    return len(items)
