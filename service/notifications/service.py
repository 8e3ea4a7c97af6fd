"""Outbox and inbox: notifications are written with the change that causes them and delivered
by the workers, at most once per channel however often they are dispatched."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from service.accounts.models import User
from service.audit import service as audit
from service.broker import DELIVER_TASK, nudger
from service.db import after_commit, utcnow
from service.errors import NotFound
from service.notifications.models import Delivery, Notification

CHANNELS = ("inbox",)


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
) -> Notification:
    """Write a notification and its deliveries; they are nudged once the transaction commits."""
    notification = Notification(
        case_id=case_id,
        event=event,
        sender_office=sender_office,
        recipient_office=recipient_office,
        title=title,
        body=body,
        requires_ack=requires_ack,
    )
    session.add(notification)
    session.flush()
    send = nudger()
    for channel in CHANNELS:
        delivery = Delivery(notification_id=notification.id, channel=channel)
        session.add(delivery)
        session.flush()
        delivery_id = delivery.id
        after_commit(session, lambda d=delivery_id: send(DELIVER_TASK, d))
    return notification


def deliver(session: Session, *, delivery_id: int) -> bool:
    """Deliver one notification on one channel; False when it was already delivered."""
    delivery = session.exec(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    ).one_or_none()
    if delivery is None or delivery.status == "delivered":
        session.rollback()
        return False
    notification = session.get(Notification, delivery.notification_id)
    now = utcnow()
    delivery.attempts += 1
    # The inbox channel is the notification row itself: delivering makes it visible.
    notification.delivered_at = notification.delivered_at or now
    delivery.status = "delivered"
    delivery.delivered_at = now
    delivery.last_error = ""
    session.add_all([delivery, notification])
    session.commit()
    return True


def relay_overdue(session: Session, *, grace_seconds: float, limit: int = 500) -> list[int]:
    """Re-dispatch deliveries whose nudge was lost; returns their ids.

    Each one is pushed back by the grace period so a slow worker is not flooded with copies;
    a copy that does arrive twice is harmless because delivery is idempotent.
    """
    now = utcnow()
    due = session.exec(
        select(Delivery)
        .where(
            Delivery.status == "queued",
            Delivery.next_attempt_at <= now - timedelta(seconds=grace_seconds),
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    ).all()
    send = nudger()
    ids = []
    for delivery in due:
        delivery.next_attempt_at = now
        session.add(delivery)
        ids.append(delivery.id)
        after_commit(session, lambda d=delivery.id: send(DELIVER_TASK, d))
    session.commit()
    return ids


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
    query = _inbox_query(actor.office_code)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    if cursor:
        query = query.where(Notification.id < cursor)
    rows = list(session.exec(query.order_by(Notification.id.desc()).limit(limit + 1)))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def unread_count(session: Session, *, office_code: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.recipient_office == office_code,
            Notification.delivered_at.is_not(None),
            Notification.read_at.is_(None),
        )
    ).one()


def get_item(session: Session, *, actor: User, notification_id: int) -> Notification:
    item = session.get(Notification, notification_id)
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
