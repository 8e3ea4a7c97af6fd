"""Tasks: thin wrappers that call service functions inside the app context."""

from __future__ import annotations

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from service.broker import DELIVER_TASK, JOB_TASK, RELAY_TASK, queue_backlog
from service.db import get_session
from service.notifications import service as notifications
from service.outbox import engine, jobs

# The attempts are counted on the outbox row, not by Celery (a retry may as well come from the
# relay); only a database hiccup is retried by Celery itself, a few times.
ATTEMPT_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "max_retries": None,
    "autoretry_for": (OperationalError,),
    "retry_kwargs": {"max_retries": 5},
    "retry_backoff": True,
    "retry_backoff_max": 60,
}


def _attempt(task, outbox: engine.Outbox, row_id: int) -> bool:
    try:
        return engine.attempt(get_session(), outbox, row_id)
    except engine.AttemptFailed as failure:
        if failure.retry_in is None:  # dead-lettered (the admin page lists it) or taken over
            return False
        # Exponential backoff with full jitter, as recorded in the row's next_attempt_at.
        raise task.retry(countdown=failure.retry_in, exc=failure) from None


@shared_task(name=DELIVER_TASK, **ATTEMPT_OPTIONS)
def deliver(self, delivery_id: int) -> bool:
    return _attempt(self, notifications.DELIVERIES, delivery_id)


@shared_task(name=JOB_TASK, **ATTEMPT_OPTIONS)
def run_job(self, job_id: int) -> bool:
    return _attempt(self, jobs.JOBS, job_id)


@shared_task(name=RELAY_TASK)
def relay_outbox() -> int:
    """Re-queue what lost its nudge, in every outbox; the count re-queued."""
    settings = current_app.config["REFERRAL"]
    backlog = queue_backlog(current_app.extensions["celery"])
    return sum(
        len(
            engine.relay(
                get_session(), outbox, grace_seconds=settings.relay_grace_seconds, backlog=backlog
            )
        )
        for outbox in (notifications.DELIVERIES, jobs.JOBS)
    )
