"""Tasks: thin wrappers that call service functions inside the app context."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from service.broker import DELIVER_TASK, RELAY_TASK
from service.db import get_session
from service.notifications import service as notifications


@shared_task(
    name=DELIVER_TASK,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
)
def deliver(delivery_id: int) -> bool:
    return notifications.deliver(get_session(), delivery_id=delivery_id)


@shared_task(name=RELAY_TASK)
def relay_outbox() -> int:
    settings = current_app.config["REFERRAL"]
    return len(
        notifications.relay_overdue(get_session(), grace_seconds=settings.relay_grace_seconds)
    )
