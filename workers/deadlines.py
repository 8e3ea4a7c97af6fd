"""Deadline tasks: the periodic sweep that reminds and escalates."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from service.broker import DIGEST_TASK, SWEEP_TASK
from service.cases import flows
from service.db import get_session
from service.sla import service as sla


@shared_task(name=SWEEP_TASK)
def sweep_deadlines() -> dict[str, int]:
    settings = current_app.config["REFERRAL"]
    return flows.sweep_deadlines(get_session(), window=settings.reminder_window_working_days)


@shared_task(name=DIGEST_TASK)
def send_digests() -> int:
    settings = current_app.config["REFERRAL"]
    return sla.send_digests(get_session(), window=settings.reminder_window_working_days)
