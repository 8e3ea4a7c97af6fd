"""The ``referral`` command as an administrator uses it, against a real PostgreSQL database."""

from __future__ import annotations

import os
import sqlite3

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from config import Settings, get_settings
from service.cli import main
from tests.conftest import Api
from tests.support import PASSWORD

pytestmark = pytest.mark.services

PRODUCTION_KEY = "Zq8r1v0c4hJ7w2mN5tB9xK3pL6yD0fGa"
NEW_PASSWORD = "another-pass-2027"


class Cli:
    """Runs ``referral …`` in-process with the environment pointing at one database."""

    def __init__(self, settings: Settings) -> None:
        # Unset whatever REFERRAL_* the machine has so only these settings apply.
        self.env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("REFERRAL_")}
        self.env.update(
            {
                "REFERRAL_ENV": "test",
                "REFERRAL_DATABASE_URL": settings.database_url,
                "REFERRAL_INSTANCE_PATH": str(settings.instance_path),
                "REFERRAL_BROKER_URL": settings.broker_url,
                "REFERRAL_REDIS_URL": settings.redis_url,
            }
        )

    def __call__(self, *args: str, **env: str | None):
        # get_settings is cached: each run must read the environment it is given.
        get_settings.cache_clear()
        try:
            runner = CliRunner(env={**self.env, **env})
            return runner.invoke(main, list(args), catch_exceptions=False)
        finally:
            get_settings.cache_clear()


@pytest.fixture
def cli(own_database):
    get_settings.cache_clear()
    try:
        yield Cli(own_database)
    finally:
        get_settings.cache_clear()


@pytest.fixture
def web(own_database):
    from service import create_app
    from service.db import get_db

    app = create_app(own_database)
    app.config.update(TESTING=True)
    yield app
    get_db(app).engine.dispose()


@pytest.fixture
def db(own_database):
    engine = sa.create_engine(own_database.sqlalchemy_url)
    yield engine
    engine.dispose()


def login(app, username: str, password: str):
    return app.test_client().post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()


# --- user add -------------------------------------------------------------------------------


def test_added_user_can_get_a_token_and_works_for_their_office(cli, web):
    result = cli(
        "user",
        "add",
        "pz-wang",
        "--office",
        "pengzhou",
        "--role",
        "clerk",
        "--name",
        "王经办",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "user pz-wang added" in result.output

    wang = Api(web, "pz-wang")
    listing = wang.get("/cases")
    assert listing.status_code == 200
    cases = listing.get_json()["items"]
    # The demo data has one request filed by 彭州: the new clerk sees it as their office's.
    assert [c["title"] for c in cases if c["filing_office"] == "pengzhou"] == [
        "协助调取定点药店进销存台账"
    ]
    assert all("pengzhou" in (c["filing_office"], c["receiving_office"]) for c in cases)


def test_add_with_an_unknown_office_is_refused_clearly(cli, web):
    result = cli(
        "user", "add", "ghost", "--office", "nowhere", "--role", "clerk", "--password", PASSWORD
    )
    assert result.exit_code == 1
    assert "office:" in result.output
    assert "nowhere" in result.output
    assert "Traceback" not in result.output
    assert login(web, "ghost", PASSWORD).status_code == 401


def test_add_with_a_taken_username_is_refused_and_the_existing_user_keeps_their_password(cli, web):
    result = cli(
        "user",
        "add",
        "jinniu-clerk",
        "--office",
        "shifang",
        "--role",
        "clerk",
        "--password",
        NEW_PASSWORD,
    )
    assert result.exit_code == 1
    assert "username:" in result.output
    assert login(web, "jinniu-clerk", NEW_PASSWORD).status_code == 401
    assert login(web, "jinniu-clerk", PASSWORD).status_code == 200


def test_add_with_a_too_short_password_is_refused(cli, web, db):
    users = count(db, "user")
    result = cli(
        "user", "add", "sf-li", "--office", "shifang", "--role", "clerk", "--password", "short"
    )
    assert result.exit_code == 1
    assert "password:" in result.output
    assert "8" in result.output  # the minimum length is named
    assert count(db, "user") == users
    assert login(web, "sf-li", "short").status_code == 401


def test_add_with_a_role_that_does_not_fit_the_office_is_refused(cli, db):
    users = count(db, "user")
    result = cli(
        "user",
        "add",
        "jn-boss",
        "--office",
        "jinniu",
        "--role",
        "regional_supervisor",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 1
    assert "role:" in result.output
    assert count(db, "user") == users


def test_add_with_an_unknown_role_is_refused_by_the_command_line(cli, db):
    users = count(db, "user")
    result = cli("user", "add", "x", "--office", "jinniu", "--role", "root", "--password", PASSWORD)
    assert result.exit_code == 2
    assert "root" in result.output
    assert count(db, "user") == users


# --- user passwd ----------------------------------------------------------------------------


def test_passwd_replaces_the_password(cli, web):
    result = cli("user", "passwd", "shifang-clerk", "--password", NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "password of shifang-clerk changed" in result.output

    assert login(web, "shifang-clerk", PASSWORD).status_code == 401
    fresh = login(web, "shifang-clerk", NEW_PASSWORD)
    assert fresh.status_code == 200
    assert fresh.get_json()["access_token"]


def test_passwd_ends_the_web_sessions_and_tokens_of_the_old_password(cli, web):
    web.config["WTF_CSRF_ENABLED"] = False
    browser = web.test_client()
    browser.post("/login", data={"username": "shifang-clerk", "password": PASSWORD})
    assert browser.get("/cases").status_code == 200
    token = Api(web, "shifang-clerk")
    colleague = Api(web, "shifang-supervisor")

    assert cli("user", "passwd", "shifang-clerk", "--password", NEW_PASSWORD).exit_code == 0

    assert browser.get("/cases").status_code == 302  # back to the login page
    assert token.get("/cases").status_code == 401
    assert colleague.get("/cases").status_code == 200  # nobody else is logged out
    assert login(web, "shifang-clerk", NEW_PASSWORD).status_code == 200


def test_passwd_refuses_a_too_short_password_and_keeps_the_old_one(cli, web):
    result = cli("user", "passwd", "shifang-clerk", "--password", "1234567")
    assert result.exit_code == 1
    assert "password:" in result.output
    assert login(web, "shifang-clerk", PASSWORD).status_code == 200


def test_passwd_for_an_unknown_user_names_them(cli):
    result = cli("user", "passwd", "nobody-here", "--password", NEW_PASSWORD)
    assert result.exit_code == 1
    assert "username:" in result.output
    assert "nobody-here" in result.output


# --- user disable ---------------------------------------------------------------------------


def test_disable_stops_login_and_revokes_the_tokens_already_issued(cli, web, own_database):
    from service.accounts import service as accounts
    from service.db import get_session

    before = Api(web, "pengzhou-investigator")
    assert before.get("/cases").status_code == 200

    result = cli("user", "disable", "pengzhou-investigator")
    assert result.exit_code == 0, result.output
    assert "user pengzhou-investigator disabled" in result.output

    assert before.get("/cases").status_code == 401
    assert login(web, "pengzhou-investigator", PASSWORD).status_code == 401

    # The token was revoked, not merely refused while disabled: re-enabling does not revive it.
    with web.app_context():
        accounts.set_active(get_session(), username="pengzhou-investigator", active=True)
    assert before.get("/cases").status_code == 401
    assert Api(web, "pengzhou-investigator").get("/cases").status_code == 200


def test_disable_of_an_unknown_user_fails(cli):
    result = cli("user", "disable", "nobody-here")
    assert result.exit_code == 1
    assert "nobody-here" in result.output


def test_disabling_one_user_leaves_colleagues_signed_in(cli, web):
    colleague = Api(web, "pengzhou-clerk")
    assert cli("user", "disable", "pengzhou-supervisor").exit_code == 0
    assert colleague.get("/cases").status_code == 200


# --- init and db upgrade --------------------------------------------------------------------


def test_init_demo_again_is_idempotent(cli, web, db):
    users, cases, offices = count(db, "user"), count(db, "case"), count(db, "office")
    assert users > 0 and cases > 0

    result = cli("init", "--demo")
    assert result.exit_code == 0, result.output
    assert "demo users: 0" in result.output
    assert "sample cases: 0" in result.output

    assert (count(db, "user"), count(db, "case"), count(db, "office")) == (users, cases, offices)
    assert Api(web, "jinniu-clerk").get("/cases").status_code == 200


def test_init_demo_is_refused_in_production(cli, db):
    users = count(db, "user")
    result = cli("init", "--demo", REFERRAL_ENV="production", REFERRAL_SECRET_KEY=PRODUCTION_KEY)
    assert result.exit_code != 0
    assert "demo data is refused in production mode" in result.output
    assert count(db, "user") == users


def test_production_refuses_to_start_while_demo_accounts_keep_the_demo_password(cli, own_database):
    from service import serving_app

    production = own_database.model_copy(update={"env": "production", "secret_key": PRODUCTION_KEY})
    with pytest.raises(RuntimeError, match="demo accounts with the demo password exist"):
        serving_app(production)
    result = cli("run", REFERRAL_ENV="production", REFERRAL_SECRET_KEY=PRODUCTION_KEY)
    assert result.exit_code != 0
    assert "demo accounts with the demo password exist" in result.output


def test_production_starts_once_every_demo_account_is_retired(cli, web, db, own_database):
    from service import serving_app
    from service.accounts.demo import demo_usernames

    users = count(db, "user")
    # Retire them the way the refusal says: change some passwords, disable the rest.
    for i, username in enumerate(demo_usernames()):
        if i % 2:
            result = cli("user", "passwd", username, "--password", NEW_PASSWORD)
        else:
            result = cli("user", "disable", username)
        assert result.exit_code == 0, result.output

    production = own_database.model_copy(update={"env": "production", "secret_key": PRODUCTION_KEY})
    assert serving_app(production).config["REFERRAL"].is_production
    result = cli("init", REFERRAL_ENV="production", REFERRAL_SECRET_KEY=PRODUCTION_KEY)
    assert result.exit_code == 0, result.output
    assert "offices: 6" in result.output
    assert "demo-pass-2026" not in result.output  # no demo logins advertised in production
    assert count(db, "user") == users
    assert login(web, "jinniu-clerk", PASSWORD).status_code == 401


def test_demo_accounts_can_be_retired_with_the_user_commands_in_production(cli, web):
    production = {"REFERRAL_ENV": "production", "REFERRAL_SECRET_KEY": PRODUCTION_KEY}
    result = cli("user", "disable", "admin", **production)
    assert result.exit_code == 0, result.output
    assert login(web, "admin", PASSWORD).status_code == 401


def test_production_with_an_unsafe_key_does_not_start(cli, db):
    result = cli("init", REFERRAL_ENV="production", REFERRAL_SECRET_KEY="change-me-now-please")
    assert result.exit_code != 0
    assert "REFERRAL_SECRET_KEY must be set" in result.output
    assert "Traceback" not in result.output


def test_db_upgrade_on_an_up_to_date_database_keeps_the_data(cli, web, db):
    users = count(db, "user")
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.output
    assert count(db, "user") == users
    assert login(web, "jinniu-clerk", PASSWORD).status_code == 200


def test_db_upgrade_creates_the_embedded_database_from_nothing(cli, tmp_path):
    instance = tmp_path / "embedded"
    result = cli(
        "db",
        "upgrade",
        REFERRAL_DATABASE_URL=None,
        REFERRAL_BROKER_URL=None,
        REFERRAL_REDIS_URL=None,
        REFERRAL_INSTANCE_PATH=str(instance),
    )
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.output
    with sqlite3.connect(instance / "referral.db") as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert {"user", "office", "case", "alembic_version"} <= tables
