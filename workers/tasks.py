"""Tasks: thin wrappers that call service functions inside the app context."""

from __future__ import annotations

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from service.broker import DELIVER_TASK, RELAY_TASK, queue_backlog
from service.db import get_session
from service.notifications import service as notifications


@shared_task(
    name=DELIVER_TASK,
    bind=True,
    acks_late=True,
    # The attempts are counted on the delivery row, not by Celery (a retry may as well come
    # from the relay); only a database hiccup is retried by Celery itself, a few times.
    max_retries=None,
    autoretry_for=(OperationalError,),
    retry_kwargs={"max_retries": 5},
    retry_backoff=True,
    retry_backoff_max=60,
)
def deliver(self, delivery_id: int) -> bool:
    try:
        return notifications.deliver(get_session(), delivery_id=delivery_id)
    except notifications.DeliveryFailed as failure:
        if failure.retry_in is None:  # dead-lettered (the admin page lists it) or taken over
            return False
        # Exponential backoff with full jitter, as recorded in the delivery's next_attempt_at.
        raise self.retry(countdown=failure.retry_in, exc=failure) from None


@shared_task(name=RELAY_TASK)
def relay_outbox() -> int:
    settings = current_app.config["REFERRAL"]
    backlog = queue_backlog(current_app.extensions["celery"])
    return len(
        notifications.relay_overdue(
            get_session(), grace_seconds=settings.relay_grace_seconds, backlog=backlog
        )
    )
