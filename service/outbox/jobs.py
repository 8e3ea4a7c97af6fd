"""Worker jobs: a job type is one handler and one registration.

    @job_type("digest")
    def send_digest(session, payload): ...          # writes rows; no commit, no network

    jobs.enqueue(session, "digest", key=f"digest:{office}:{day}", payload={...})

``enqueue`` writes the job in the caller's transaction and nudges a worker once it commits; a
job whose key was written before is not written again. The worker runs the handler in the
transaction that marks the job done (``engine.InTransaction``): its effect happens exactly once.
A handler that raises leaves nothing behind; the job is retried with backoff and dead-lettered
after the last attempt, like a delivery. A handler that must reach the outside world writes a
notification instead, whose deliveries are the outbox's external work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from service.broker import JOB_TASK, WORK_QUEUE
from service.outbox import engine
from service.outbox.models import Job

RUNNING = "running"
DONE = "done"

Handler = Callable[[Session, dict], Any]
_handlers: dict[str, Handler] = {}


def job_type(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler(session, payload)`` as the work of jobs of type ``name``."""

    def register(handler: Handler) -> Handler:
        if _handlers.get(name, handler) is not handler:
            raise ValueError(f"job type {name!r} is registered twice")
        _handlers[name] = handler
        return handler

    return register


class _Run(engine.InTransaction):
    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def run(self, session: Session, row: Job) -> str:
        self.handler(session, dict(row.payload))
        return DONE


def _work(session: Session, row: Job) -> engine.Work:
    handler = _handlers.get(row.type)
    if handler is None:
        raise engine.Permanent(f"no handler is registered for job type {row.type!r}")
    return _Run(handler)


JOBS = engine.Outbox(
    name="jobs",
    model=Job,
    task=JOB_TASK,
    leased=RUNNING,
    done=frozenset({DONE}),
    done_field="done_at",
    work=_work,
    queue=lambda row: WORK_QUEUE,
    label=lambda row: f"{row.id} ({row.key})",
)


def enqueue(
    session: Session, job_type: str, *, key: str, payload: dict | None = None
) -> Job | None:
    """Write the job in the caller's transaction, nudged once it commits; None when a job with
    this key was written before (concurrent callers with one key write one job)."""
    if job_type not in _handlers:
        raise ValueError(f"no handler is registered for job type {job_type!r}")
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    job_id = session.execute(
        dialect.insert(Job)
        .values(type=job_type, key=key, payload=payload or {})
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Job.id)
    ).scalar_one_or_none()
    if job_id is None:
        return None
    job = session.get(Job, job_id)
    JOBS.nudge(session, job)
    return job


def attempt(session: Session, job_id: int) -> bool:
    return engine.attempt(session, JOBS, job_id)


def relay(session: Session, *, grace_seconds: float, backlog: int | None = 0) -> list[int]:
    return engine.relay(session, JOBS, grace_seconds=grace_seconds, backlog=backlog)
