"""Notifications (outbox row and inbox item at once) and their per-channel deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

from service.db import utcnow
from service.outbox.models import OutboxRow


class Notification(SQLModel, table=True):
    __table_args__ = (
        Index("ix_notification_inbox", "recipient_office", "delivered_at"),
        Index("ix_notification_unread", "recipient_office", "read_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    event: str = Field(max_length=64)
    sender_office: str | None = Field(default=None, foreign_key="office.code", max_length=32)
    recipient_office: str = Field(foreign_key="office.code", max_length=32)
    title: str = Field(max_length=300)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    requires_ack: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None  # visible in the inbox from then on
    read_at: datetime | None = None
    read_by: int | None = Field(default=None, foreign_key="user.id")
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")


class Delivery(OutboxRow, table=True):
    """One per notification and channel: re-dispatching never delivers twice.

    ``status`` follows ``rules.DeliveryStatus``. ``next_attempt_at`` is the earliest time a
    dispatch may attempt it: now for a queued one, the end of the backoff for a failed one, the
    end of the lease for one being sent.
    """

    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_delivery_notification_channel"),
        Index("ix_delivery_pending", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id")
    channel: str = Field(max_length=16)  # inbox, email, webhook
    delivered_at: datetime | None = None
    # Tells the unit of work that a notification is written before its deliveries when both
    # wait for the same flush.
    notification: Notification | None = Relationship(sa_relationship=relationship("Notification"))


class WebhookEndpoint(SQLModel, table=True):
    """Where an office's system receives its notifications, and the secret they are signed with."""

    office_code: str = Field(primary_key=True, foreign_key="office.code", max_length=32)
    url: str = Field(max_length=500)
    # Needed in clear to sign; shown to nobody after it is set.
    secret: str = Field(max_length=200)
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow)


class InboxItem(BaseModel):
    id: int
    case_id: int | None
    event: str
    title: str
    body: str
    sender_office: str | None
    created_at: datetime
    delivered_at: datetime | None
    read_at: datetime | None
    read_by: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    requires_ack: bool


class InboxPage(BaseModel):
    items: list[InboxItem]
    next_cursor: str | None


class DeliveryRead(BaseModel):
    """A delivery of a notification the caller's office sent, as the sender may see it."""

    id: int
    notification_id: int
    event_id: str
    event: str
    recipient_office: str
    channel: Literal["inbox", "email", "webhook"]
    status: Literal["queued", "sending", "sent", "delivered", "failed", "dead"]
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    read_by: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class DeliveryList(BaseModel):
    items: list[DeliveryRead]
