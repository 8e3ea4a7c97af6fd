"""The caller's office inbox, and the deliveries of what it sent, over JSON."""

from __future__ import annotations

from flask import Response
from pydantic import BaseModel, ConfigDict, Field

from service.accounts.service import users_by_id
from service.api.core import api_user, json_response, operation
from service.audit.service import client_ip
from service.cases import service as cases
from service.db import MAX_ROW_ID, get_session
from service.i18n import local_time
from service.notifications import service
from service.notifications.models import (
    DeliveryList,
    DeliveryRead,
    InboxItem,
    InboxPage,
    Notification,
)
from service.notifications.rules import event_id


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    unread: bool = False
    cursor: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    limit: int = Field(default=20, ge=1, le=100)


def item_read(item: Notification, users: dict) -> InboxItem:
    def name(user_id):
        return users[user_id].username if user_id else None

    return InboxItem(
        id=item.id,
        case_id=item.case_id,
        event=item.event,
        title=item.title,
        body=item.body,
        sender_office=item.sender_office,
        created_at=local_time(item.created_at),
        delivered_at=local_time(item.delivered_at),
        read_at=local_time(item.read_at),
        read_by=name(item.read_by),
        acknowledged_at=local_time(item.acknowledged_at),
        acknowledged_by=name(item.acknowledged_by),
        requires_ack=item.requires_ack,
    )


def _one(item: Notification) -> Response:
    users = users_by_id(get_session(), {item.read_by, item.acknowledged_by})
    return json_response(item_read(item, users))


@operation(
    "/inbox",
    "GET",
    summary="The office's inbox",
    tag="inbox",
    query=InboxQuery,
    response=InboxPage,
    errors=(401, 422),
)
def list_inbox(params: InboxQuery) -> Response:
    db = get_session()
    items, next_cursor = service.inbox(
        db, actor=api_user(), unread=params.unread, cursor=params.cursor, limit=params.limit
    )
    users = users_by_id(db, {i.read_by for i in items} | {i.acknowledged_by for i in items})
    return json_response(
        InboxPage(
            items=[item_read(i, users) for i in items],
            next_cursor=str(next_cursor) if next_cursor else None,
        )
    )


@operation(
    "/inbox/<id:item_id>/read",
    "POST",
    summary="Mark an inbox item read",
    tag="inbox",
    response=InboxItem,
    errors=(401, 404),
)
def read_item(item_id: int) -> Response:
    return _one(
        service.mark_read(get_session(), actor=api_user(), notification_id=item_id, ip=client_ip())
    )


@operation(
    "/inbox/<id:item_id>/ack",
    "POST",
    summary="Acknowledge an inbox item",
    tag="inbox",
    response=InboxItem,
    errors=(401, 404),
)
def ack_item(item_id: int) -> Response:
    return _one(
        service.acknowledge(
            get_session(), actor=api_user(), notification_id=item_id, ip=client_ip()
        )
    )


class DeliveriesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    case_id: int = Field(ge=1, le=MAX_ROW_ID)


@operation(
    "/deliveries",
    "GET",
    summary="Deliveries of the notifications the caller's office sent about a case",
    tag="inbox",
    query=DeliveriesQuery,
    response=DeliveryList,
    errors=(401, 404, 422),
)
def list_deliveries(params: DeliveriesQuery) -> Response:
    db = get_session()
    actor = api_user()
    case = cases.get_visible(db, actor=actor, case_id=params.case_id)  # 404 unless party to it
    items = []
    for receipt in service.receipts(db, sender_office=actor.office_code, case_id=case.id):
        n = receipt.notification
        for d in receipt.deliveries:
            items.append(
                DeliveryRead(
                    id=d.id,
                    notification_id=n.id,
                    event_id=event_id(n.id),
                    event=n.event,
                    recipient_office=n.recipient_office,
                    channel=d.channel,
                    status=d.status,
                    attempts=d.attempts,
                    created_at=local_time(d.created_at),
                    last_attempt_at=local_time(d.last_attempt_at),
                    delivered_at=local_time(d.delivered_at),
                    read_at=local_time(n.read_at),
                    read_by=receipt.read_by.username if receipt.read_by else None,
                    acknowledged_at=local_time(n.acknowledged_at),
                    acknowledged_by=receipt.acknowledged_by.username
                    if receipt.acknowledged_by
                    else None,
                )
            )
    return json_response(DeliveryList(items=items))
