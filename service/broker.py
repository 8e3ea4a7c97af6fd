"""The Celery configuration shared by the web process (which only sends) and the workers.

The service layer nudges tasks by name through the Celery app it was given; it never imports
``workers``, so the web process does not load task modules.
"""

from __future__ import annotations

import logging
import time

from celery import Celery
from celery.schedules import crontab
from flask import Flask, current_app
from kombu import Queue
from kombu.exceptions import ChannelError

from config import Settings

log = logging.getLogger(__name__)

DELIVER_TASK = "referral.deliver"
JOB_TASK = "referral.run_job"
RELAY_TASK = "referral.relay_outbox"
SWEEP_TASK = "referral.sweep_deadlines"
DIGEST_TASK = "referral.send_digests"

# Work that stays in the database (jobs, the periodic tasks) and work that waits on the outside
# world (e-mail, webhooks) have a queue each, so a slow receiver never delays the former. A
# worker started without ``-Q`` takes both; compose runs a worker pool for each.
WORK_QUEUE = "celery"
EXTERNAL_QUEUE = "external"
QUEUES = (WORK_QUEUE, EXTERNAL_QUEUE)


def configure_celery(celery: Celery, settings: Settings) -> Celery:
    transport_options: dict = {}
    if settings.celery_broker_url.startswith("filesystem"):
        queue = settings.queue_path
        for sub in ("in", "processed", "control"):
            (queue / sub).mkdir(parents=True, exist_ok=True)
        transport_options = {
            "data_folder_in": str(queue / "in"),
            "data_folder_out": str(queue / "in"),
            "processed_folder": str(queue / "processed"),
            "store_processed": False,
            # Broadcast/pidbox exchanges: under the instance folder, not the working directory.
            "control_folder": str(queue / "control"),
            # The folder is polled; the default second between polls is a second of latency.
            "polling_interval": 0.2,
        }
    else:
        timeout = settings.broker_publish_timeout_seconds
        transport_options = {
            "socket_connect_timeout": timeout,
            "socket_timeout": max(timeout, 5.0),
            "visibility_timeout": 3600,
        }
    celery.conf.update(
        broker_url=settings.celery_broker_url,
        broker_transport_options=transport_options,
        broker_connection_timeout=settings.broker_publish_timeout_seconds,
        referral_broker_pause_seconds=settings.broker_pause_seconds,
        broker_connection_retry_on_startup=True,
        result_backend=None,
        task_default_queue=WORK_QUEUE,
        task_queues=[Queue(name, routing_key=name) for name in QUEUES],
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        # A task is acknowledged only once it has run: a killed worker's task runs again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # The tasks wait on the database, SMTP and partners' servers, not on the CPU: threads
        # in one process start fast and stay small (a forked pool copies the app per child).
        worker_pool="threads",
        worker_concurrency=4,
        timezone=settings.timezone,
        enable_utc=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            "relay-outbox": {"task": RELAY_TASK, "schedule": settings.relay_interval_seconds},
            "sweep-deadlines": {
                "task": SWEEP_TASK,
                "schedule": settings.deadline_sweep_interval_seconds,
            },
            # Celery's timezone is the offices' (Asia/Shanghai): 08:00 there.
            "morning-digest": {
                "task": DIGEST_TASK,
                "schedule": crontab(hour=settings.digest_hour, minute=0),
            },
        },
    )
    return celery


def make_celery(settings: Settings, name: str = "referral") -> Celery:
    return configure_celery(Celery(name), settings)


def init_app(app: Flask, celery: Celery) -> None:
    app.extensions["celery"] = celery


class BrokerGate:
    """Nudges skip a broker known to be down: after a failed send, none is tried for
    ``pause_seconds`` (the relay re-queues what was not nudged), so an outage costs one
    request one bounded wait, not every request one wait per nudge."""

    def __init__(self) -> None:
        self.closed_until = 0.0

    def open(self) -> bool:
        return time.monotonic() >= self.closed_until

    def failed(self, pause_seconds: float) -> None:
        self.closed_until = time.monotonic() + pause_seconds


def _gate(celery: Celery) -> BrokerGate:
    """The gate of this Celery app (each app of a process, each test's app, has its own)."""
    gate = getattr(celery, "_referral_gate", None)
    if gate is None:
        gate = celery._referral_gate = BrokerGate()
    return gate


def _pause(celery: Celery) -> float:
    return float(celery.conf.get("referral_broker_pause_seconds", 30.0))


def nudge_after_commit(session, task_name: str, arg, *, queue: str = WORK_QUEUE) -> None:
    """Send ``task_name(arg())`` to ``queue`` once the session's transaction commits (``arg``
    is called then: a row's id is known by that time). The nudges of one transaction go out
    together on one broker connection, and a broker that is down costs the first of them only."""
    from service.db import after_commit, transaction_cache

    nudges = transaction_cache(session, "nudges")
    if not nudges:
        celery: Celery = current_app.extensions["celery"]
        after_commit(session, lambda: _send_all(celery, nudges))
    nudges.setdefault((task_name, queue), []).append(arg)


def _send_all(celery: Celery, nudges: dict[tuple[str, str], list]) -> None:
    count = sum(len(args) for args in nudges.values())
    if not _gate(celery).open():
        log.info("%d nudges skipped: the broker was down moments ago", count)
        return
    try:
        with celery.producer_or_acquire() as producer:
            for (task_name, queue), args in nudges.items():
                for arg in args:
                    celery.send_task(
                        task_name, args=[arg()], queue=queue, retry=False, producer=producer
                    )
    except Exception as exc:  # broker down: the outbox rows stay queued for the relay
        _gate(celery).failed(_pause(celery))
        log.warning(
            "%d nudges not sent (the relay will re-queue them; no nudge for %.0f s): %s",
            count,
            _pause(celery),
            exc,
        )


def broker_reachable(app: Flask) -> bool:
    """Whether the broker answers now (one connection attempt within the connect timeout)."""
    celery: Celery = app.extensions["celery"]
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:  # any failure to connect is "not ready"
        log.warning("broker not reachable: %s", exc)
        return False
    return True


def queue_backlog(celery: Celery, queues: tuple[str, ...] = QUEUES) -> int | None:
    """How many messages wait in the queues together (None: the broker is not reachable)."""
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            total = 0
            for queue in queues:
                try:
                    channel = conn.default_channel
                    total += channel.queue_declare(queue=queue, passive=True).message_count
                except ChannelError:  # Redis keeps no empty list: never filled, or drained
                    pass
            return total
    except Exception as exc:
        log.warning("queues %s not readable: %s", ", ".join(queues), exc)
        return None
