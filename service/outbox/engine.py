"""Runs the rows of any outbox table: claim, attempt, record; the relay; re-queueing by hand.

An ``Outbox`` names a table whose rows carry ``status``, ``attempts``, ``next_attempt_at``,
``last_attempt_at``, ``last_error`` and a done timestamp, and says what one attempt of a row
does (its ``Work``):

- ``InTransaction`` work changes rows only. It runs inside the transaction that holds the row
  lock and marks the row done, so it takes effect exactly once.
- ``External`` work leaves the database (an e-mail, a webhook). The attempt reads what it needs
  and claims the row (status ``leased`` until ``next_attempt_at``, the lease) in one
  transaction, sends without a lock, and records the outcome in another: at least once, so
  what is sent carries a stable id by which the receiver drops a copy. A worker killed mid-send
  leaves the claim behind; after the lease the relay dispatches the row again. The send must be
  bounded as a whole below the lease (the settings refuse a lease that is not).

``next_attempt_at`` is the earliest time a dispatch may attempt the row: now for a queued one,
the end of the backoff for a failed one, the end of the lease for one being sent. The settings'
``delivery_max_attempts``, ``delivery_lease_seconds`` and ``delivery_backoff_*`` apply to every
outbox.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, select

from config import Settings, get_settings
from service.broker import nudge_after_commit
from service.db import utcnow
from service.outbox import rules

log = logging.getLogger(__name__)


class Failure(Exception):
    """An attempt failed; it is retried with backoff until the attempts run out."""


class Permanent(Failure):
    """Retrying cannot help (the recipient has no address any more, the job no handler)."""


class AttemptFailed(Exception):
    """An attempt failed and was recorded. ``retry_in``: seconds until the next attempt is due;
    None when there is none to schedule (dead-lettered, or another attempt took over)."""

    def __init__(self, row_id: int, attempt: int, error: str, retry_in: float | None):
        super().__init__(row_id, attempt, error, retry_in)  # picklable as it is
        self.row_id = row_id
        self.attempt = attempt
        self.error = error
        self.retry_in = retry_in

    @property
    def delivery_id(self) -> int:
        return self.row_id

    def __str__(self) -> str:
        return f"{self.row_id} attempt {self.attempt}: {self.error}"


class Work(ABC):  # noqa: B024 - the two kinds below are what an outbox returns
    """What an attempt of one row does."""


class InTransaction(Work):
    @abstractmethod
    def run(self, session: Session, row: Any) -> str:
        """Do the work in the claiming transaction (no network); return the done status."""


class External(Work):
    @abstractmethod
    def prepare(self, session: Session, row: Any) -> object:
        """Read what the attempt needs, inside the claiming transaction (no network here)."""

    @abstractmethod
    def send(self, outgoing: object, *, attempt: int) -> str:
        """Send it, without a session or a lock held, within a bounded time; return the done
        status or raise ``Failure``."""


@dataclass(frozen=True)
class Outbox:
    name: str  # in the log: "deliveries", "jobs"
    model: type
    task: str  # the Celery task that attempts one row, by id
    leased: str  # the status of a row an attempt has claimed
    done: frozenset[str]  # the statuses of a row that is done
    done_field: str  # set when the row is done
    work: Callable[[Session, Any], Work]  # raises Permanent when there is nothing to do it
    queue: Callable[[Any], str]  # the broker queue the row's attempts go to
    label: Callable[[Any], str] = lambda row: str(row.id)  # noqa: E731

    def nudge(self, session: Session, row: Any) -> None:
        """Dispatch the row once the transaction commits (its id is known by then)."""
        nudge_after_commit(session, self.task, lambda: row.id, queue=self.queue(row))


def _settings() -> Settings:
    # The app's settings; outside an app context (a script, a test) the process's own.
    return current_app.config["REFERRAL"] if has_app_context() else get_settings()


def locked(session: Session, outbox: Outbox, row_id: int) -> Any:
    # The row lock serialises concurrent dispatches of one row (SQLite: BEGIN IMMEDIATE).
    model = outbox.model
    return session.exec(select(model).where(model.id == row_id).with_for_update()).one_or_none()


def _may_attempt(outbox: Outbox, row: Any, now: datetime) -> bool:
    return row is not None and rules.may_attempt(
        row.status, row.next_attempt_at, now, leased=outbox.leased
    )


def attempt(session: Session, outbox: Outbox, row_id: int) -> bool:
    """Attempt one row. True when this call did it; False when there was nothing to do: already
    done or dead-lettered, a retry not yet due, or another attempt holding its lease. A failed
    attempt is recorded and raises ``AttemptFailed``."""
    settings = _settings()
    now = utcnow()
    row = locked(session, outbox, row_id)
    if not _may_attempt(outbox, row, now):
        session.rollback()
        return False
    if row.status == outbox.leased and row.attempts >= settings.delivery_max_attempts:
        _dead(outbox, row, "the worker was lost during the last attempt", now)
        session.commit()
        return False
    row.attempts += 1
    row.last_attempt_at = now
    number = row.attempts
    try:
        work = outbox.work(session, row)
        if isinstance(work, InTransaction):
            mark_done(outbox, row, work.run(session, row), now)
            session.commit()
            return True
        assert isinstance(work, External)
        outgoing = work.prepare(session, row)
    except (OperationalError, DBAPIError) as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise  # the database itself: the task retries, the relay is the backstop
        session.rollback()  # a constraint or bad data: a failed attempt, not an endless loop
        raise _record_unclaimed_failure(session, outbox, row_id, _describe(exc)) from exc
    except Exception as exc:  # a failure, a defect or bad data: recorded, never a loop
        session.rollback()  # nothing the work wrote half-way is kept
        raise _record_unclaimed_failure(
            session, outbox, row_id, _describe(exc), permanent=isinstance(exc, Permanent)
        ) from exc
    row.status = outbox.leased
    row.next_attempt_at = now + timedelta(seconds=settings.delivery_lease_seconds)
    session.commit()

    try:
        status = work.send(outgoing, attempt=number)
    except Exception as exc:  # whatever went wrong out there, it is this attempt's failure
        raise _record_failure(
            session, outbox, row_id, number, _describe(exc), isinstance(exc, Permanent)
        ) from exc
    return _record_success(session, outbox, row_id, status)


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, Failure) else f"{type(exc).__name__}: {exc}"


def _record_unclaimed_failure(
    session: Session, outbox: Outbox, row_id: int, error: str, *, permanent: bool = False
) -> AttemptFailed:
    """Record an attempt that failed before it was claimed (its transaction rolled back)."""
    now = utcnow()
    row = locked(session, outbox, row_id)
    if not _may_attempt(outbox, row, now):
        session.rollback()
        return AttemptFailed(row_id, 0, error, None)
    row.attempts += 1
    row.last_attempt_at = now
    failure = _failed(outbox, row, error, _settings(), now, permanent=permanent)
    session.commit()
    return failure


def mark_done(outbox: Outbox, row: Any, status: str, now: datetime) -> None:
    row.status = status
    setattr(row, outbox.done_field, now)
    row.last_error = ""


def _dead(outbox: Outbox, row: Any, error: str, now: datetime) -> None:
    row.status = rules.DEAD
    row.last_error = error[:1000]
    row.next_attempt_at = now
    log.error("%s: %s dead-lettered: %s", outbox.name, outbox.label(row), error)


def _failed(
    outbox: Outbox, row: Any, error: str, settings: Settings, now: datetime, *, permanent: bool
) -> AttemptFailed:
    """Record a failed attempt on the (locked) row: retried after a backoff, or dead."""
    attempts = settings.delivery_max_attempts if permanent else row.attempts
    if rules.status_after_failure(attempts, settings.delivery_max_attempts) == rules.DEAD:
        _dead(outbox, row, error, now)
        return AttemptFailed(row.id, row.attempts, error, None)
    wait = rules.backoff_seconds(
        row.attempts,
        base=settings.delivery_backoff_base_seconds,
        cap=settings.delivery_backoff_max_seconds,
    )
    row.status = rules.FAILED
    row.last_error = error[:1000]
    row.next_attempt_at = now + timedelta(seconds=wait)
    log.warning(
        "%s: %s attempt %s failed, next in %.1fs: %s",
        outbox.name,
        outbox.label(row),
        row.attempts,
        wait,
        error,
    )
    return AttemptFailed(row.id, row.attempts, error, wait)


def _record_failure(
    session: Session, outbox: Outbox, row_id: int, number: int, error: str, permanent: bool
) -> AttemptFailed:
    row = locked(session, outbox, row_id)
    if row is None or row.status != outbox.leased or row.attempts != number:
        # re-queued by an administrator or taken over after the lease: that attempt decides
        session.rollback()
        return AttemptFailed(row_id, number, error, None)
    failure = _failed(outbox, row, error, _settings(), utcnow(), permanent=permanent)
    session.commit()
    return failure


def _record_success(session: Session, outbox: Outbox, row_id: int, status: str) -> bool:
    row = locked(session, outbox, row_id)
    if row is None or row.status in outbox.done:
        session.rollback()
        return False
    mark_done(outbox, row, status, utcnow())
    session.commit()
    return True


def relay(
    session: Session,
    outbox: Outbox,
    *,
    grace_seconds: float,
    backlog: int | None = 0,
    limit: int = 500,
) -> list[int]:
    """Re-dispatch the rows whose nudge was lost; returns their ids.

    That is every row that should have been attempted ``grace_seconds`` ago: queued ones (the
    broker was down when they were written), failed ones whose retry never came (the worker
    holding it died) and ones whose attempt's lease expired (the worker was killed mid-send).
    Each is pushed back by the grace period, so it is re-dispatched at most once per grace
    period; a copy that does arrive twice does nothing (``attempt`` finds it done or leased).

    ``backlog``: the messages waiting in the broker's queues (None: unknown, the broker is not
    reachable). While at least as many messages wait as rows are overdue, the workers are
    behind rather than the nudges lost: nothing is re-dispatched, or every round would add a
    copy of what is already waiting. Fewer waiting means some nudges were lost: the overdue
    ones are re-dispatched (which ones were lost is not known; a copy is harmless).
    """
    model = outbox.model
    now = utcnow()
    due = session.exec(
        select(model)
        .where(
            model.status.in_((rules.QUEUED, rules.FAILED, outbox.leased)),
            model.next_attempt_at <= now - timedelta(seconds=grace_seconds),
        )
        .order_by(model.next_attempt_at)
        .limit(limit)
    ).all()
    if not due:
        return []
    if backlog is None or backlog >= len(due):
        log.info(
            "relay: %s: %d overdue, none re-queued: %s",
            outbox.name,
            len(due),
            "the broker is not reachable"
            if backlog is None
            else f"{backlog} messages still wait in the queues (the workers are behind)",
        )
        session.rollback()
        return []
    reasons = Counter(_overdue_reason(outbox, row) for row in due)
    for row in due:
        # Only if no attempt claimed it meanwhile (status and attempts are its version): the
        # relay must never shorten the lease of an attempt under way.
        session.exec(
            update(model)
            .where(model.id == row.id, model.status == row.status, model.attempts == row.attempts)
            .values(next_attempt_at=now)
        )
        outbox.nudge(session, row)
    session.commit()
    log.info(
        "relay: %s: %d re-queued (%s)",
        outbox.name,
        len(due),
        ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items())),
    )
    return [row.id for row in due]


def _overdue_reason(outbox: Outbox, row: Any) -> str:
    if row.status == outbox.leased:
        return "whose attempt's lease expired"
    if row.status == rules.FAILED:
        return "whose retry never came"
    return "never attempted" if row.attempts == 0 else "re-queued by hand, not attempted"


def requeue(session: Session, outbox: Outbox, row: Any) -> None:
    """Give a failed or dead row a fresh set of attempts, dispatched once the caller commits."""
    row.status = rules.QUEUED
    row.attempts = 0
    row.next_attempt_at = utcnow()
    session.add(row)
    outbox.nudge(session, row)
