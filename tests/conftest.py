"""Fixtures: the real PostgreSQL and Redis of the settings, a real Celery worker, test clients.

Tests that need the services skip when they are unreachable, unless REFERRAL_REQUIRE_SERVICES=1
(CI), which turns such a skip into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import Settings
from tests.support import PASSWORD, RedisServer, Worker

PG_URL = os.environ.get(
    "REFERRAL_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/referral_test"
)
REDIS_URL = os.environ.get("REFERRAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE = os.environ.get("REFERRAL_REQUIRE_SERVICES") == "1"
# Each test run takes its own Redis database so queued nudges of another run never mix in.
REDIS_DB_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + os.getpid() % 15}"


def _missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable: {error}"
    if REQUIRE:
        pytest.fail(message + " (REFERRAL_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def _pg_driver_url(url: str) -> str:
    return (
        "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgresql://") else url
    )


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A database of this test run's own on the configured server, dropped at the end, so
    runs side by side never touch each other's rows."""
    server, base = PG_URL.rsplit("/", 1)
    name = f"{base}_{os.getpid()}"
    admin = sa.create_engine(_pg_driver_url(server + "/postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        admin.dispose()
        _missing("PostgreSQL", error)
    yield f"{server}/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_DB_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as error:
        _missing("Redis", error)
    return REDIS_DB_URL


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Every test that uses the Redis of the run starts with empty login and API counters:
    earlier tests' failed logins from 127.0.0.1 must not throttle it."""
    if "redis_url" in request.fixturenames:
        from limits.storage import storage_from_string

        from service.ratelimit import KEY_PREFIX

        storage_from_string(request.getfixturevalue("redis_url"), key_prefix=KEY_PREFIX).reset()


@pytest.fixture(scope="session")
def pg_settings(pg_url: str, redis_url: str, tmp_path_factory) -> Settings:
    return Settings(
        env="test",
        instance_path=tmp_path_factory.mktemp("instance"),
        database_url=pg_url,
        broker_url=redis_url,
        redis_url=redis_url,
        relay_interval_seconds=1.0,
        relay_grace_seconds=1.0,
    )


@pytest.fixture(scope="session")
def pg_database(pg_settings: Settings) -> Settings:
    """A fresh schema made by the migrations, with offices and demo users."""
    import service.models  # noqa: F401
    from service.cli import initialise

    engine = sa.create_engine(pg_settings.sqlalchemy_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    initialise(pg_settings, demo=True, echo=lambda *_: None)
    return pg_settings


@pytest.fixture
def own_database(pg_url: str, pg_settings: Settings, tmp_path):
    """A PostgreSQL database of the test's own (no other worker's relay can see its rows)."""
    from service.cli import initialise

    name = f"{pg_url.rsplit('/', 1)[1]}_own"
    admin = sa.create_engine(
        _pg_driver_url(pg_url.rsplit("/", 1)[0] + "/postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    settings = pg_settings.model_copy(
        update={"database_url": pg_url.rsplit("/", 1)[0] + "/" + name, "instance_path": tmp_path}
    )
    initialise(settings, demo=True, echo=lambda *_: None)
    yield settings
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


CASE_TABLES = (
    "transferbatchrow",
    "transferbatch",
    "retireecase",
    "registrationcase",
    "caseattachment",
    "idempotencyrecord",
    "delivery",
    "notification",
    "job",
    "caseevent",
    "caseparty",
    "casecounter",
    "transfercase",
    "case",
    "auditentry",
    "usersession",
    "apitoken",
)


@pytest.fixture
def app(pg_database: Settings):
    """The app on PostgreSQL + Redis, with every case-related table emptied first."""
    from service import create_app
    from service.db import get_db

    app = create_app(pg_database)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    engine = get_db(app).engine
    with engine.begin() as conn:
        # Ids keep counting up across tests, so a stray nudge can never hit a newer row.
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in CASE_TABLES) + " CASCADE")
        # Every test's case numbers start at 1 again (the next filing makes the sequence).
        for (name,) in conn.exec_driver_sql(
            "SELECT sequence_name FROM information_schema.sequences"
            " WHERE starts_with(sequence_name, 'case_number_')"
        ):
            conn.exec_driver_sql(f'DROP SEQUENCE "{name}"')
    yield app
    engine.dispose()


@pytest.fixture
def redis(tmp_path):
    """A redis-server of the test's own: its nudges reach only its own workers."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def stack(own_database, redis):
    """Settings for the test's own database and redis-server, with fast retries and leases."""
    return own_database.model_copy(
        update={
            "broker_url": redis.url,
            "redis_url": redis.url,
            "broker_publish_timeout_seconds": 0.5,
            "relay_interval_seconds": 1.0,
            "relay_grace_seconds": 1.0,
            "delivery_backoff_base_seconds": 0.3,
            "delivery_backoff_max_seconds": 1.0,
            "delivery_lease_seconds": 10.0,
            "webhook_timeout_seconds": 5.0,
            # The receivers below run on this machine: an administrator's explicit choice.
            "webhook_allowed_networks": "127.0.0.0/8",
        }
    )


@pytest.fixture(scope="session")
def worker(pg_database: Settings, tmp_path_factory):
    """One real Celery worker (with beat, so the relay runs) for the session."""
    folder: Path = tmp_path_factory.mktemp("worker")
    w = Worker(pg_database, beat=True, log=folder / "worker.log").start()
    yield w
    w.stop()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A JSON API client logged in as one user."""

    def __init__(self, app, username: str) -> None:
        self.client = app.test_client()
        self.username = username
        response = self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.get_json()
        self.token = response.get_json()["access_token"]

    def _headers(self, extra: dict | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, url: str, **kw):
        return self.client.get(
            "/api/v1" + url, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def post(self, url: str, json=None, **kw):
        return self.client.post(
            "/api/v1" + url, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def file(self, to: str = "shifang", title: str = "协助核实参保信息", **kw):
        body = {
            "kind": "general",
            "receiving_office": to,
            "title": title,
            "description": "请协助核实。",
        }
        return self.post("/cases", json=body, **kw)

    def act(self, case_id: int, action: str, **body):
        headers = {"If-Match": body.pop("if_match")} if "if_match" in body else None
        return self.post(f"/cases/{case_id}/actions/{action}", json=body, headers=headers)


@pytest.fixture
def api(app):
    return lambda username: Api(app, username)


class AuthActions:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
