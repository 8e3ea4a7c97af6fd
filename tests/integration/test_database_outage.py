"""A database outage while the web app serves: every request answers 503 with Retry-After
(problem+json in the API, a page that needs no database in the UI), readiness says which part
is down while liveness stays up, and once PostgreSQL is back the same app serves again without
a restart — a filing retried with its Idempotency-Key across the outage lands exactly once.
The cluster is the test's own, on a free port; the machine's PostgreSQL is never touched."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from config import Settings
from tests.support import PASSWORD, PostgresServer

pytestmark = pytest.mark.services


@pytest.fixture
def own_postgres():
    server = PostgresServer()
    try:
        yield server.init().start()
    finally:
        server.remove()


def test_a_database_outage_is_a_503_and_the_app_recovers_without_a_restart(
    own_postgres, redis_url, tmp_path
):
    from service import create_app
    from service.cli import initialise

    admin = sa.create_engine(
        "postgresql+psycopg://" + own_postgres.url.split("://", 1)[1], isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE "referral"')
    admin.dispose()
    settings = Settings(
        env="test",
        instance_path=tmp_path / "instance",
        database_url=own_postgres.url.rsplit("/", 1)[0] + "/referral",
        broker_url=redis_url,
        redis_url=redis_url,
    )
    initialise(settings, demo=True, echo=lambda *_: None)
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    api = app.test_client()
    token = api.post(
        "/api/v1/auth/token", json={"username": "jinniu-clerk", "password": PASSWORD}
    ).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    body = {"kind": "general", "receiving_office": "shifang", "title": "停库期间提交的请求"}
    web = app.test_client()
    web.post("/login", data={"username": "jinniu-clerk", "password": PASSWORD})
    assert web.get("/cases").status_code == 200
    assert api.get("/readyz").get_json() == {"status": "ok", "database": "ok", "broker": "ok"}

    own_postgres.stop("fast")
    listed = api.get("/api/v1/cases", headers=auth)
    assert listed.status_code == 503
    assert listed.headers["Retry-After"] == "10"
    assert listed.mimetype == "application/problem+json"
    assert listed.get_json()["title"] == "服务暂时不可用"
    filed = api.post("/api/v1/cases", json=body, headers={**auth, "Idempotency-Key": "outage-1"})
    assert filed.status_code == 503
    page = web.get("/cases")
    assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    assert "数据库" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    ready = api.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "database": "unreachable", "broker": "ok"}
    assert api.get("/healthz").status_code == 200

    own_postgres.start()
    again = api.post("/api/v1/cases", json=body, headers={**auth, "Idempotency-Key": "outage-1"})
    assert again.status_code == 201
    retried = api.post("/api/v1/cases", json=body, headers={**auth, "Idempotency-Key": "outage-1"})
    assert retried.get_json()["id"] == again.get_json()["id"]
    items = api.get("/api/v1/cases", headers=auth).get_json()["items"]
    assert [c["title"] for c in items].count("停库期间提交的请求") == 1
    assert web.get("/cases").status_code == 200
    assert api.get("/readyz").status_code == 200
    from service.db import get_db

    get_db(app).engine.dispose()
