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
from kombu.exceptions import ChannelError

from config import Settings

log = logging.getLogger(__name__)

DELIVER_TASK = "referral.deliver"
RELAY_TASK = "referral.relay_outbox"
SWEEP_TASK = "referral.sweep_deadlines"
DIGEST_TASK = "referral.send_digests"


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
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        # A task is acknowledged only once it has run: a killed worker's task runs again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
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


def nudger(app: Flask | None = None):
    """A callable that sends a task by name and never raises: the relay covers a lost nudge."""
    celery: Celery = (app or current_app).extensions["celery"]

    def send(task_name: str, *args: object) -> None:
        if not _gate(celery).open():
            return
        try:
            celery.send_task(task_name, args=list(args), retry=False)
        except Exception as exc:  # broker down: the outbox row stays queued for the relay
            _gate(celery).failed(_pause(celery))
            log.warning("nudge %s%r not sent: %s", task_name, args, exc)

    return send


def nudge_after_commit(session, task_name: str, arg) -> None:
    """Send ``task_name(arg())`` once the session's transaction commits (``arg`` is called
    then: a row's id is known by that time). The nudges of one transaction go out together on
    one broker connection, and a broker that is down costs the first of them only."""
    from service.db import after_commit, transaction_cache

    queued = transaction_cache(session, "nudges").setdefault(task_name, [])
    if not queued:
        celery: Celery = current_app.extensions["celery"]
        after_commit(session, lambda: _send_all(celery, task_name, queued))
    queued.append(arg)


def _send_all(celery: Celery, task_name: str, args: list) -> None:
    if not _gate(celery).open():
        log.info("%d nudges %s skipped: the broker was down moments ago", len(args), task_name)
        return
    try:
        with celery.producer_or_acquire() as producer:
            for arg in args:
                celery.send_task(task_name, args=[arg()], retry=False, producer=producer)
    except Exception as exc:  # broker down: the outbox rows stay queued for the relay
        _gate(celery).failed(_pause(celery))
        log.warning(
            "%d nudges %s not sent (the relay will re-queue them; no nudge for %.0f s): %s",
            len(args),
            task_name,
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


def queue_backlog(celery: Celery, queue: str = "celery") -> int | None:
    """How many messages wait in ``queue`` (None: the broker is not reachable)."""
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            try:
                return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
            except ChannelError:  # Redis keeps no empty list: a queue never filled, or drained
                return 0
    except Exception as exc:
        log.warning("queue %s not readable: %s", queue, exc)
        return None
