"""Engine, per-context sessions and after-commit hooks.

Service functions receive a session and own their transaction; the web request or the Celery task
that called them gets its session here and has it closed when its app context ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

AFTER_COMMIT = "after_commit_hooks"
TRANSACTION_CACHE = "transaction_cache"
# The largest row id the databases hold (a 32-bit integer key): ids beyond it are simply 404.
MAX_ROW_ID = 2**31 - 1
# The offices' time zone: case-number years and working days are counted in it.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def contains_pattern(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its ``%``, ``_`` and ``\\`` meant literally; use with
    ``escape="\\"``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def utcnow() -> datetime:
    """Aware UTC; SQLModel stores it as UTC on both databases. Shown in Asia/Shanghai."""
    return datetime.now(UTC)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # The web process and the worker write to the same file: taking the write lock up front
        # makes a read-then-write transaction wait its turn instead of failing half-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def after_commit(session: Session, hook: Callable[[], None]) -> None:
    """Run ``hook`` once the current transaction commits; dropped if it rolls back."""
    session.info.setdefault(AFTER_COMMIT, []).append(hook)


def transaction_cache(session: Session, name: str) -> dict:
    """A dict kept for the session's current transaction only (emptied when it commits or rolls
    back): reads that do not change within one, such as the offices, are made once."""
    return session.info.setdefault(TRANSACTION_CACHE, {}).setdefault(name, {})


def reserve_ids(session: Session, model: type, count: int) -> None:
    """Draw ``count`` ids of ``model``'s table from its PostgreSQL sequence in one round trip,
    for rows this transaction is about to write (``take_id``): rows that know their id before
    they are written wait for one flush together, one INSERT for many. SQLite has no sequence;
    there a row still gets its id from its own flush."""
    if count <= 0 or session.get_bind().dialect.name != "postgresql":
        return
    ids = session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": f'"{model.__table__.name}"', "n": count},
    ).scalars()
    pool = transaction_cache(session, "reserved_ids").setdefault(model.__table__.name, [])
    pool[:0] = sorted(ids, reverse=True)  # taken from the end: the lowest id first


def take_id(session: Session, model: type) -> int | None:
    """A reserved id for a new row of ``model`` (None: none is reserved, flush for one)."""
    pool = transaction_cache(session, "reserved_ids").get(model.__table__.name)
    return pool.pop() if pool else None


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    session.info.pop(TRANSACTION_CACHE, None)
    hooks = session.info.pop(AFTER_COMMIT, [])
    for hook in hooks:
        try:
            hook()
        except Exception:  # a lost nudge is recovered by the relay
            log.warning("after-commit hook failed", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(AFTER_COMMIT, None)
    session.info.pop(TRANSACTION_CACHE, None)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(
            bind=self.engine, class_=Session, expire_on_commit=False, autoflush=True
        )

    def init_app(self, app: Flask) -> None:
        app.extensions["db"] = self
        app.teardown_appcontext(_close_session)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["db"]


def get_session() -> Session:
    """The session of the current app context (request or task)."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
