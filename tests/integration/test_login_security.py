"""Logging in and out as an attacker would try it: where a login may redirect, what a saved
cookie still opens, how the throttle counts simultaneous guesses (in the real Redis), what the
timing of an answer gives away and who can lock whom out."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func
from sqlmodel import select

from service.accounts.models import User, UserSession
from service.audit.models import AuditEntry
from service.db import get_db
from service.notifications.models import Delivery, Notification
from tests.conftest import AuthActions
from tests.support import PASSWORD, wait_for

pytestmark = pytest.mark.services


def count(app, model, *where) -> int:
    with get_db(app).session() as db:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()


def rows(app, model, *where) -> list:
    with get_db(app).session() as db:
        return list(db.exec(select(model).where(*where)))


@pytest.fixture
def make_app(app, pg_database):
    """Another app on the test's (emptied) database with some settings changed."""
    from service import create_app

    made = []

    def make(**changes):
        other = create_app(pg_database.model_copy(update=changes))
        other.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        made.append(other)
        return other

    yield make
    for other in made:
        get_db(other).engine.dispose()


def client_at(app, address: str):
    """A browser (or API client) at another address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(client, username: str, password: str = PASSWORD, next_: str | None = None):
    url = "/login" if next_ is None else "/login?next=" + next_
    return client.post(url, data={"username": username, "password": password})


# --------------------------------------------------------------------------- open redirect


@pytest.mark.parametrize(
    "next_",
    ["/%09/evil.example/", "//evil.example/", "/%5Cevil.example", "https://evil.example/",
     "%2F%2Fevil.example", "/%0A/evil.example", "javascript:alert(1)"],
)  # fmt: skip
def test_login_never_redirects_to_another_site(client, next_):
    response = login(client, "jinniu-clerk", next_=next_)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/cases").status_code == 200  # logged in all the same


def test_login_goes_on_to_the_page_of_this_site_that_asked_for_it(client):
    asked = client.get("/cases?status=requested")
    assert asked.status_code == 302
    login_url = asked.headers["Location"]
    assert "next=" in login_url
    response = client.post(login_url, data={"username": "jinniu-clerk", "password": PASSWORD})
    assert response.headers["Location"] == "/cases?status=requested"


# --------------------------------------------------------------------------- sessions


def session_key(client) -> str:
    with client.session_transaction() as session:
        return session.get("_user_id", "")


def copy_of(app, client):
    """Another browser holding the cookie saved from ``client``."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_a_cookie_saved_before_logout_opens_nothing_after_it(app, client, auth):
    auth.login("jinniu-clerk")
    saved = copy_of(app, client)
    assert saved.get("/cases").status_code == 200

    assert auth.logout().status_code == 302
    replayed = saved.get("/cases")
    assert replayed.status_code == 302
    assert "/login" in replayed.headers["Location"]
    assert count(app, UserSession) == 0


def test_logout_ends_only_the_session_of_that_browser(app):
    office, home = app.test_client(), app.test_client()
    login(office, "jinniu-clerk")
    login(home, "jinniu-clerk")
    assert count(app, UserSession) == 2

    AuthActions(home).logout()
    assert home.get("/cases").status_code == 302
    assert office.get("/cases").status_code == 200


def test_every_login_gets_a_new_session_key_and_nothing_of_the_session_before_it(app, client):
    client.get("/login")  # the anonymous session gets its CSRF token
    with client.session_transaction() as session:
        session["planted"] = "by someone who set this cookie"
        session["lang"] = "en"
    login(client, "jinniu-clerk")
    first = session_key(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"  # the language chosen is kept
    user_id = rows(app, User, User.username == "jinniu-clerk")[0].id
    assert first and first != str(user_id)  # the cookie names a session, not the user

    AuthActions(client).logout()
    login(client, "jinniu-clerk")
    assert session_key(client) not in ("", first)


def test_a_cookie_naming_only_the_user_id_opens_nothing(app, client):
    user_id = rows(app, User, User.username == "jinniu-clerk")[0].id
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)  # what a session of the old kind carried
    assert client.get("/cases").status_code == 302


def test_disabling_a_user_ends_their_web_sessions_for_good(app, client, auth):
    from service.accounts import service as accounts
    from service.db import get_session

    auth.login("pengzhou-clerk")
    assert client.get("/cases").status_code == 200
    with app.app_context():
        accounts.set_active(get_session(), username="pengzhou-clerk", active=False)
        accounts.set_active(get_session(), username="pengzhou-clerk", active=True)
    assert client.get("/cases").status_code == 302  # re-enabling revived nothing


# --------------------------------------------------------------------------- the throttle


def test_simultaneous_wrong_passwords_are_evaluated_only_up_to_the_limit(app):
    """40 guesses at once: exactly the limit of 5 reach the password check, 35 get 429."""
    attempts, barrier = 40, threading.Barrier(40)
    answers: list = [None] * attempts

    def guess(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        answers[i] = client.post(
            "/api/v1/auth/token", json={"username": "jinniu-clerk", "password": f"guess-{i}"}
        )

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Counter(a.status_code for a in answers) == {401: 5, 429: 35}
    assert count(app, AuditEntry, AuditEntry.action == "login.failed") == 5
    for refused in (a for a in answers if a.status_code == 429):
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
        assert "登录失败次数过多" in refused.get_json()["detail"]


def test_simultaneous_wrong_passwords_in_the_web_form_are_counted_the_same_way(app):
    attempts, barrier = 20, threading.Barrier(20)
    statuses: list = [None] * attempts

    def guess(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = login(client, "shifang-clerk", f"guess-{i}")
        statuses[i] = (response.status_code, response.headers.get("Retry-After"))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Counter(status for status, _ in statuses) == {401: 5, 429: 15}
    assert all(int(retry) >= 1 for status, retry in statuses if status == 429)
    page = login(app.test_client(), "shifang-clerk")  # even the right password waits now
    assert page.status_code == 429
    assert "登录失败次数过多" in page.get_data(as_text=True)


def test_web_processes_share_the_counters_in_redis(app, make_app, redis_url):
    import redis

    second_process = make_app()
    for web in (app, second_process, app, second_process, app):
        assert login(web.test_client(), "pengzhou-clerk", "wrong").status_code == 401
    assert login(second_process.test_client(), "pengzhou-clerk").status_code == 429
    keys = redis.Redis.from_url(redis_url).keys("referral-limits:*login-pair*")
    assert len(keys) == 1


def test_a_successful_login_forgets_the_failures_before_it(client):
    for _ in range(4):
        assert login(client, "jinniu-clerk", "wrong").status_code == 401
    assert login(client, "jinniu-clerk").status_code == 302
    AuthActions(client).logout()
    for _ in range(4):
        assert login(client, "jinniu-clerk", "wrong").status_code == 401
    assert login(client, "jinniu-clerk").status_code == 302


def test_api_requests_beyond_the_limit_per_token_get_429_with_retry_after(make_app):
    from tests.conftest import Api

    app = make_app(api_requests_per_minute=3)
    jinniu, shifang = Api(app, "jinniu-clerk"), Api(app, "shifang-clerk")
    assert [jinniu.get("/offices").status_code for _ in range(3)] == [200, 200, 200]
    refused = jinniu.get("/cases")  # one budget for the token, whatever the path
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    problem = refused.get_json()
    assert problem["status"] == 429 and problem["title"] == "请求过于频繁"
    assert shifang.get("/offices").status_code == 200  # another token has its own


def test_api_requests_beyond_the_limit_per_address_get_429(make_app):
    app = make_app(api_address_requests_per_minute=4)
    here, elsewhere = app.test_client(), client_at(app, "10.1.2.3")
    bad = {"Authorization": "Bearer made-up"}
    # A new made-up token for every request does not escape the address's budget.
    statuses = [
        here.get("/api/v1/offices", headers={"Authorization": f"Bearer x{i}"}).status_code
        for i in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    assert int(here.get("/api/v1/offices", headers=bad).headers["Retry-After"]) >= 1
    assert elsewhere.get("/api/v1/offices", headers=bad).status_code == 401


def test_embedded_mode_throttles_logins_without_redis(tmp_path):
    """No REFERRAL_REDIS_URL: the counters live in the web process's memory."""
    from limits.storage import MemoryStorage

    from config import Settings
    from service import create_app, ratelimit
    from service.cli import initialise

    settings = Settings(env="test", instance_path=tmp_path, _env_file=None)
    assert settings.redis_url == ""
    initialise(settings, demo=True, echo=lambda *_: None)
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    try:
        assert isinstance(ratelimit.storage(app), MemoryStorage)
        client = app.test_client()
        for _ in range(5):
            assert login(client, "jinniu-clerk", "wrong").status_code == 401
        assert login(client, "jinniu-clerk").status_code == 429
        assert login(client, "shifang-clerk").status_code == 302
        token = client.post(
            "/api/v1/auth/token", json={"username": "pengzhou-clerk", "password": PASSWORD}
        )
        assert token.status_code == 200
    finally:
        get_db(app).engine.dispose()


def test_while_redis_is_unreachable_the_counters_fall_back_to_memory(make_app):
    from tests.conftest import Api
    from tests.support import free_port

    app = make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    client = app.test_client()
    for _ in range(5):
        assert login(client, "jinniu-clerk", "wrong").status_code == 401
    assert login(client, "jinniu-clerk").status_code == 429  # still throttled
    assert login(client_at(app, "10.0.0.7"), "jinniu-clerk").status_code == 302
    assert Api(app, "shifang-clerk").get("/offices").status_code == 200  # the API serves


# --------------------------------------------------------------------------- timing, lockout


@pytest.fixture
def verifications(monkeypatch):
    """Counts the argon2 verifications made (the ~0.4 s a real user's wrong password costs)."""
    calls: list[str] = []
    original = PasswordHasher.verify

    def counting(self, hash, password):  # noqa: A002 - argon2's signature
        calls.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_unknown_and_disabled_users_cost_an_argon2_check_like_real_ones(app, client, verifications):
    from service.accounts import service as accounts
    from service.db import get_session

    with app.app_context():
        accounts.set_active(get_session(), username="shifang-investigator", active=False)
    answers = {
        username: client.post(
            "/api/v1/auth/token", json={"username": username, "password": "wrong-password"}
        )
        for username in ("jinniu-clerk", "no-such-user", "shifang-investigator")
    }
    assert {u: a.status_code for u, a in answers.items()} == dict.fromkeys(answers, 401)
    assert len({a.get_json()["detail"] for a in answers.values()}) == 1
    assert len(verifications) == 3  # one full check each, the unknown user's included
    real_hash = rows(app, User, User.username == "jinniu-clerk")[0].password_hash
    # The stand-in hash is as costly as a real one: the same argon2 parameters.
    assert verifications[1].rsplit("$", 2)[0] == real_hash.rsplit("$", 2)[0]
    assert verifications[1] != real_hash


def test_guesses_from_one_address_do_not_lock_the_user_out_elsewhere(app):
    attacker, user = client_at(app, "10.9.9.9"), client_at(app, "10.0.0.7")
    for _ in range(5):
        assert login(attacker, "jinniu-clerk", "guess").status_code == 401
    assert login(attacker, "jinniu-clerk").status_code == 429  # that pair waits
    assert login(user, "jinniu-clerk").status_code == 302  # the user at their desk does not
    assert count(app, Notification, Notification.event == "account.locked") == 0


def test_many_addresses_lock_the_user_and_tell_their_office_once(make_app, worker):
    from tests.conftest import Api

    app = make_app(login_user_max_failures=8)
    for i in range(8):  # 4 addresses, 2 guesses each: no pair is full
        attacker = client_at(app, f"10.7.0.{i // 2}")
        assert login(attacker, "pengzhou-clerk", f"guess-{i}").status_code == 401
    for i in range(3):  # the user is locked now, from anywhere, with any password
        refused = login(client_at(app, f"10.8.0.{i}"), "pengzhou-clerk", PASSWORD)
        assert refused.status_code == 429
    assert login(client_at(app, "10.8.0.9"), "pengzhou-supervisor").status_code == 302

    [notice] = rows(app, Notification, Notification.event == "account.locked")
    assert notice.recipient_office == "pengzhou" and notice.case_id is None
    assert "pengzhou-clerk" in notice.title
    assert "10.8.0.0" in notice.body
    channels = {d.channel for d in rows(app, Delivery, Delivery.notification_id == notice.id)}
    assert channels == {"inbox"}  # no SMTP configured here; never a partner's webhook
    assert count(app, AuditEntry, AuditEntry.action == "login.locked") == 1

    supervisor = Api(app, "pengzhou-supervisor")
    items = wait_for(
        lambda: [i for i in supervisor.get("/inbox").get_json()["items"] if i["id"] == notice.id],
        message="the notice in the office's inbox",
    )
    assert "pengzhou-clerk" in items[0]["title"]
