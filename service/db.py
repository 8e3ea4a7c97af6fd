"""Engine, per-context sessions and after-commit hooks.

Service functions receive a session and own their transaction; the web request or the Celery task
that called them gets its session here and has it closed when its app context ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
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
    # No ping on every checkout (a round trip per request): a connection the database dropped
    # fails its first statement instead (a 503), and SQLAlchemy then discards every connection
    # of the pool older than that, so the next request connects afresh.
    return create_engine(url, echo=echo, pool_size=5, max_overflow=10)


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


# Each table's id sequence on PostgreSQL, read once per process (the schema fixes them).
_ID_SEQUENCES: dict[str, str] = {}


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _id_sequences(session: Session, tables: Iterable[str]) -> dict[str, str]:
    missing = sorted(set(tables) - set(_ID_SEQUENCES))
    if missing:
        found = session.execute(
            text(
                "SELECT t, pg_get_serial_sequence(quote_ident(t), 'id')"
                " FROM unnest(CAST(:tables AS text[])) AS t"
            ),
            {"tables": missing},
        )
        _ID_SEQUENCES.update({table: sequence for table, sequence in found.all()})
    return {table: _ID_SEQUENCES[table] for table in tables}


def draw(
    session: Session, wanted: Mapping[str, int], *, also: str = "", params: dict | None = None
) -> dict[str, list[int]]:
    """``count`` values of each PostgreSQL sequence named in ``wanted``, lowest first, all in
    one round trip, with the rows of ``also`` (a SELECT of name and value, with ``params``).
    A drawn value is used up whether or not the transaction commits."""
    wanted = {name: count for name, count in wanted.items() if count > 0}
    if not wanted and not also:
        return {}
    names = list(wanted)
    statement = (
        "SELECT t.name, nextval(t.name::regclass)"
        " FROM unnest(CAST(:names AS text[]), CAST(:counts AS int[])) AS t(name, n)"
        " CROSS JOIN LATERAL generate_series(1, t.n)"
    )
    rows = session.execute(
        text(statement + (f" UNION ALL {also}" if also else "")),
        {"names": names, "counts": [wanted[name] for name in names], **(params or {})},
    )
    drawn: dict[str, list[int]] = {name: [] for name in names}
    for name, value in rows.all():
        drawn.setdefault(name, []).append(value)
    return {name: sorted(values) for name, values in drawn.items()}


def reserve_ids(
    session: Session,
    counts: Mapping[type, int],
    *,
    also: str = "",
    params: dict | None = None,
) -> dict[str, list[int]]:
    """Draw ids of the models in ``counts`` from their PostgreSQL sequences, for rows this
    transaction is about to write (``take_id``), in one round trip with the rows of ``also``
    (see ``draw``; their values are returned). Rows that know their id before they are written
    wait for one flush together, one INSERT for many. SQLite has no sequence; there a row
    still gets its id from its own flush (and ``also`` must be empty)."""
    if not _postgres(session):
        assert not also, "sequences are PostgreSQL's"
        return {}
    tables = {model.__table__.name: count for model, count in counts.items() if count > 0}
    sequences = _id_sequences(session, tables)
    drawn = draw(session, {sequences[t]: n for t, n in tables.items()}, also=also, params=params)
    for table in tables:
        pool = transaction_cache(session, "reserved_ids").setdefault(table, [])
        pool[:0] = reversed(drawn.pop(sequences[table]))  # taken from the end: lowest first
    return drawn


def take_id(session: Session, model: type) -> int | None:
    """A reserved id for a new row of ``model`` (None: none is reserved, flush for one)."""
    pool = transaction_cache(session, "reserved_ids").get(model.__table__.name)
    return pool.pop() if pool else None


def _serial_id(obj: Any) -> str | None:
    """The table of a new row whose id its table's sequence is to give, if it has none yet."""
    table = getattr(obj, "__table__", None)
    if table is None or getattr(obj, "id", 0) is not None:
        return None
    column = table.primary_key.columns.get("id")
    return table.name if column is not None and column.autoincrement is not False else None


def _give_ids(session: Session, new: list[tuple[Any, str]]) -> None:
    """Ids for the new rows that have none: reserved ones first, the rest drawn at once."""
    reserved = transaction_cache(session, "reserved_ids")
    counts: dict[str, int] = {}
    missing = []
    for obj, table in new:
        pool = reserved.get(table)
        if pool:
            obj.id = pool.pop()
            continue
        missing.append((obj, table))
        counts[table] = counts.get(table, 0) + 1
    if not missing:
        return
    new = missing
    sequences = _id_sequences(session, counts)
    drawn = draw(session, {sequences[t]: n for t, n in counts.items()})
    for obj, table in new:
        obj.id = drawn[sequences[table]].pop(0)


def commit_together(session: Session) -> None:
    """Commit the transaction; on PostgreSQL with its new rows written in one round trip:
    their missing ids drawn in one statement, then every INSERT and the COMMIT sent at once
    (psycopg's pipeline mode) instead of each waiting for the answer to the one before. A write the
    database refuses raises here as it would from a flush. Only for a transaction that has
    nothing but new rows left to write (a pipelined UPDATE could not tell whether it matched
    its row); otherwise, and on SQLite, a plain commit."""
    if _postgres(session) and session.new and not (session.dirty or session.deleted):
        import psycopg

        new = [(obj, table) for obj in session.new if (table := _serial_id(obj)) is not None]
        with session.no_autoflush:
            _give_ids(session, new)
        connection = session.connection().connection.dbapi_connection
        try:
            with connection.pipeline():
                session.flush()
                # The COMMIT goes with them: one round trip for the whole write. SQLAlchemy's
                # own commit below finds the transaction ended and runs the after-commit hooks.
                connection.commit()
        except DBAPIError:
            session.rollback()
            raise
        except psycopg.Error as exc:  # raised as the pipeline ends, outside SQLAlchemy
            session.rollback()
            raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc
    session.commit()


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
