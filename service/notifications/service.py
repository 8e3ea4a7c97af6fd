"""Outbox and inbox: notifications are written with the change that causes them and delivered
by the workers on every channel that reaches the recipient office (``channels.py``), at most once
per channel however often they are dispatched; failed attempts are retried with backoff and
dead-lettered after the last one. Also the senders' receipts and the administrators' view."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sqlalchemy import func, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from config import Settings, get_settings
from service.accounts.models import Role, User
from service.audit import service as audit
from service.broker import DELIVER_TASK, nudge_after_commit, nudger
from service.db import after_commit, take_id, utcnow
from service.errors import N_, FieldError, NotFound, ValidationFailed
from service.notifications import channels, rules
from service.notifications.models import Delivery, Notification, WebhookEndpoint
from service.notifications.rules import DeliveryStatus
from service.offices.models import Office
from service.validation import is_email

log = logging.getLogger(__name__)


def _settings() -> Settings:
    # The app's settings; outside an app context (a script, a test) the process's own.
    return current_app.config["REFERRAL"] if has_app_context() else get_settings()


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
    (the inbox always, unless ``only_channels`` names the channels to use); they are nudged
    once the transaction commits."""
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
    deliveries = [
        Delivery(notification_id=notification.id, channel=channel.name)
        for channel in channels.registry(_settings()).values()
        if (only_channels is None or channel.name in only_channels)
        and channel.applies(session, notification)
    ]
    session.add_all(deliveries)  # written with the transaction's next flush
    for delivery in deliveries:
        nudge_after_commit(session, DELIVER_TASK, lambda d=delivery: d.id)
    return notification


class DeliveryFailed(Exception):
    """An attempt failed and was recorded. ``retry_in``: seconds until the next attempt is due;
    None when there is none to schedule (dead-lettered, or another attempt took over)."""

    def __init__(self, delivery_id: int, attempt: int, error: str, retry_in: float | None):
        super().__init__(delivery_id, attempt, error, retry_in)  # picklable as it is
        self.delivery_id = delivery_id
        self.attempt = attempt
        self.error = error
        self.retry_in = retry_in

    def __str__(self) -> str:
        return f"delivery {self.delivery_id} attempt {self.attempt}: {self.error}"


def _locked(session: Session, delivery_id: int) -> Delivery | None:
    # The row lock serialises concurrent dispatches of one delivery (SQLite: BEGIN IMMEDIATE).
    return session.exec(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    ).one_or_none()


def deliver(session: Session, *, delivery_id: int) -> bool:
    """Attempt one delivery. True when this call delivered it; False when there was nothing to
    do: already delivered or dead-lettered, a retry not yet due, or another attempt holding its
    lease. A failed attempt is recorded and raises ``DeliveryFailed``.

    The inbox is delivered inside the locked transaction, exactly once. E-mail and webhooks are
    at least once with a stable id (see ``channels``): the attempt is claimed (``sending``, with a
    lease of ``delivery_lease_seconds``) and committed, sent without a lock, then recorded. A
    worker killed mid-send leaves the claim behind; after the lease the relay dispatches it
    again, and the attempt that finds the lease expired sends it once more.
    """
    settings = _settings()
    now = utcnow()
    delivery = _locked(session, delivery_id)
    if delivery is None or not rules.may_attempt(delivery.status, delivery.next_attempt_at, now):
        session.rollback()
        return False
    if (
        delivery.status == DeliveryStatus.sending
        and delivery.attempts >= settings.delivery_max_attempts
    ):
        _dead(delivery, "the worker was lost during the last attempt", now)
        session.commit()
        return False
    channel = channels.registry(settings).get(delivery.channel)
    notification = session.get(Notification, delivery.notification_id)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    attempt = delivery.attempts
    try:
        if channel is None:
            raise channels.PermanentFailure(f"unknown channel {delivery.channel!r}")
        if isinstance(channel, channels.TransactionalChannel):
            _succeeded(delivery, channel.deliver(session, notification), now)
            session.commit()
            return True
        assert isinstance(channel, channels.ExternalChannel)
        outgoing = channel.prepare(session, notification)
    except channels.ChannelError as exc:
        failure = _failed(delivery, str(exc), settings, now, permanent=_permanent(exc))
        session.commit()
        raise failure from exc
    except SQLAlchemyError:
        raise  # the database itself: the task retries, the relay is the backstop
    except Exception as exc:  # a defect or bad data: a failed attempt, not an endless loop
        session.rollback()
        raise _record_unclaimed_failure(session, delivery_id, _describe(exc)) from exc
    delivery.status = DeliveryStatus.sending
    delivery.next_attempt_at = now + timedelta(seconds=settings.delivery_lease_seconds)
    session.commit()

    try:
        status = channel.send(outgoing, attempt=attempt)
    except Exception as exc:  # whatever went wrong out there, it is this attempt's failure
        raise _record_failure(
            session, delivery_id, attempt, _describe(exc), _permanent(exc)
        ) from exc
    return _record_success(session, delivery_id, status)


def _permanent(exc: BaseException) -> bool:
    return isinstance(exc, channels.PermanentFailure)


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, channels.ChannelError) else f"{type(exc).__name__}: {exc}"


def _record_unclaimed_failure(session: Session, delivery_id: int, error: str) -> DeliveryFailed:
    """Record an attempt that failed before it was claimed (its transaction rolled back)."""
    now = utcnow()
    delivery = _locked(session, delivery_id)
    if delivery is None or not rules.may_attempt(delivery.status, delivery.next_attempt_at, now):
        session.rollback()
        return DeliveryFailed(delivery_id, 0, error, None)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    failure = _failed(delivery, error, _settings(), now)
    session.commit()
    return failure


def _succeeded(delivery: Delivery, status: DeliveryStatus, now) -> None:
    delivery.status = status
    delivery.delivered_at = now
    delivery.last_error = ""


def _dead(delivery: Delivery, error: str, now) -> None:
    delivery.status = DeliveryStatus.dead
    delivery.last_error = error[:1000]
    delivery.next_attempt_at = now
    log.error("delivery %s (%s) dead-lettered: %s", delivery.id, delivery.channel, error)


def _failed(
    delivery: Delivery, error: str, settings: Settings, now, *, permanent: bool = False
) -> DeliveryFailed:
    """Record a failed attempt on the (locked) row: retried after a backoff, or dead."""
    attempts = settings.delivery_max_attempts if permanent else delivery.attempts
    if rules.status_after_failure(attempts, settings.delivery_max_attempts) == DeliveryStatus.dead:
        _dead(delivery, error, now)
        return DeliveryFailed(delivery.id, delivery.attempts, error, None)
    wait = rules.backoff_seconds(
        delivery.attempts,
        base=settings.delivery_backoff_base_seconds,
        cap=settings.delivery_backoff_max_seconds,
    )
    delivery.status = DeliveryStatus.failed
    delivery.last_error = error[:1000]
    delivery.next_attempt_at = now + timedelta(seconds=wait)
    log.warning(
        "delivery %s (%s) attempt %s failed, next in %.1fs: %s",
        delivery.id,
        delivery.channel,
        delivery.attempts,
        wait,
        error,
    )
    return DeliveryFailed(delivery.id, delivery.attempts, error, wait)


def _record_failure(
    session: Session, delivery_id: int, attempt: int, error: str, permanent: bool
) -> DeliveryFailed:
    delivery = _locked(session, delivery_id)
    if (
        delivery is None
        or delivery.status != DeliveryStatus.sending
        or delivery.attempts != attempt
    ):  # re-queued by an administrator or taken over after the lease: that attempt decides
        session.rollback()
        return DeliveryFailed(delivery_id, attempt, error, None)
    failure = _failed(delivery, error, _settings(), utcnow(), permanent=permanent)
    session.commit()
    return failure


def _record_success(session: Session, delivery_id: int, status: DeliveryStatus) -> bool:
    delivery = _locked(session, delivery_id)
    if delivery is None or delivery.status in rules.DONE:
        session.rollback()
        return False
    _succeeded(delivery, status, utcnow())
    session.commit()
    return True


def relay_overdue(
    session: Session, *, grace_seconds: float, backlog: int | None = 0, limit: int = 500
) -> list[int]:
    """Re-dispatch deliveries whose nudge was lost; returns their ids.

    That is every delivery that should have been attempted ``grace_seconds`` ago: queued ones
    (broker down when they were written), failed ones whose retry never came (the worker holding
    it died) and ones whose attempt's lease expired (the worker was killed mid-send). Each is
    pushed back by the grace period, so it is re-dispatched at most once per grace period; a
    copy that does arrive twice is harmless because delivery is idempotent.

    ``backlog``: the messages waiting in the broker's queue (None: unknown, the broker is not
    reachable). While at least as many messages wait as deliveries are overdue, the workers are
    behind rather than the nudges lost: nothing is re-dispatched, or every round would add a
    copy of what is already waiting. Fewer waiting means some nudges were lost: the overdue
    ones are re-dispatched (which ones were lost is not known; a copy is harmless).
    """
    now = utcnow()
    due = session.exec(
        select(Delivery.id, Delivery.status, Delivery.attempts)
        .where(
            Delivery.status.in_(rules.PENDING),
            Delivery.next_attempt_at <= now - timedelta(seconds=grace_seconds),
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    ).all()
    if not due:
        return []
    if backlog is None or backlog >= len(due):
        log.info(
            "relay: %d deliveries overdue, none re-queued: %s",
            len(due),
            "the broker is not reachable"
            if backlog is None
            else f"{backlog} messages still wait in the queue (the workers are behind)",
        )
        session.rollback()
        return []
    reasons = Counter(_overdue_reason(status, attempts) for _id, status, attempts in due)
    for delivery_id, status, attempts in due:
        # Only if no attempt claimed it meanwhile (status and attempts are its version): the
        # relay must never shorten the lease of an attempt under way.
        session.exec(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == status,
                Delivery.attempts == attempts,
            )
            .values(next_attempt_at=now)
        )
        nudge_after_commit(session, DELIVER_TASK, lambda d=delivery_id: d)
    session.commit()
    log.info(
        "relay: %d re-queued (%s)",
        len(due),
        ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items())),
    )
    return [delivery_id for delivery_id, _status, _attempts in due]


def _overdue_reason(status: str, attempts: int) -> str:
    if status == rules.DeliveryStatus.sending:
        return "whose attempt's lease expired"
    if status == rules.DeliveryStatus.failed:
        return "whose retry never came"
    return "never attempted" if attempts == 0 else "re-queued by hand, not attempted"


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
    delivery = _locked(session, delivery_id)
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
    delivery.status = DeliveryStatus.queued
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    session.add(delivery)
    send = nudger()
    after_commit(session, lambda d=delivery.id: send(DELIVER_TASK, d))
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
