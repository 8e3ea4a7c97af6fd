"""When an outbox row may be attempted and how long to wait after a failure. Pure functions:
no Flask, no session, no Celery."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

QUEUED = "queued"  # written with the change (or re-queued by hand), not attempted yet
FAILED = "failed"  # the last attempt failed; the next one is due at next_attempt_at
DEAD = "dead"  # dead-lettered after the last attempt; only an administrator re-queues it


def may_attempt(status: str, next_attempt_at: datetime, now: datetime, *, leased: str) -> bool:
    """Whether a dispatch that finds the row in this state should attempt it now.

    A queued row always; a failed one once its backoff is over (a dispatch while a retry is
    pending does nothing); one whose attempt holds the lease (status ``leased``) only once the
    lease has expired, i.e. the worker that held it is presumed dead (a duplicate dispatch
    during the lease does nothing). Done and dead rows never.
    """
    if status == QUEUED:
        return True
    if status in (FAILED, leased):
        return next_attempt_at <= now
    return False


def status_after_failure(attempts: int, max_attempts: int) -> str:
    """The last allowed attempt failed → dead-lettered; otherwise it is retried later."""
    return DEAD if attempts >= max_attempts else FAILED


def backoff_seconds(
    attempt: int, *, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): exponential backoff
    with full jitter, uniform in [0, min(cap, base · 2^(attempt−1))], so receivers that came back
    are not hit by every sender at the same moment."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 60))
    return ceiling * rand()
