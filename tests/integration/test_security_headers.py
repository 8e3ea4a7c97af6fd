"""Security headers on every answer (a strict CSP, no framing, no sniffing, no referrer to other
sites, HSTS in production), no caching of what is behind the login or of API answers, and the
client address taken from X-Forwarded-For only behind configured proxies."""

from __future__ import annotations

import pytest

from service.audit.service import client_ip

pytestmark = pytest.mark.services

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
PRODUCTION_KEY = "Zq8r1v0c4hJ7w2mN5tB9xK3pL6yD0fGa"


def assert_hardened(response, what: str = "") -> None:
    assert response.headers.get("Content-Security-Policy") == CSP, what
    assert response.headers.get("X-Frame-Options") == "DENY", what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy") == "same-origin", what


def test_every_kind_of_answer_carries_the_policy_and_frame_denial(client, auth):
    answers = {
        "login page": client.get("/login"),
        "redirect to the login": client.get("/cases"),
        "unknown page": client.get("/no-such-page"),
        "api problem": client.get("/api/v1/cases"),
        "openapi document": client.get("/api/v1/openapi.json"),
        "api docs": client.get("/api/docs"),
        "stylesheet": client.get("/static/app.css"),
    }
    auth.login("jinniu-clerk")
    answers["home"] = client.get("/")
    for what, response in answers.items():
        assert_hardened(response, what)
        assert "Strict-Transport-Security" not in response.headers, what


def test_pages_behind_the_login_and_api_answers_are_never_stored(app, client, auth, api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file(title="不得缓存的案件").get_json()
    auth.login("jinniu-clerk")
    for url in ("/", "/cases", f"/cases/{case['id']}", "/inbox", "/account"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    for response in (
        jinniu.get(f"/cases/{case['id']}"),
        jinniu.get("/inbox"),
        jinniu.get("/cases/999999"),  # a problem answer too
        app.test_client().get("/api/v1/cases"),  # and one without a token
        app.test_client().post(
            "/api/v1/auth/token", json={"username": "jinniu-clerk", "password": "demo-pass-2026"}
        ),
    ):
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    # Static files are the same for everybody and may be cached.
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


def test_hsts_is_sent_in_production_only(pg_database):
    from service import create_app

    production = pg_database.model_copy(update={"env": "production", "secret_key": PRODUCTION_KEY})
    for settings, hsts in (
        (pg_database, None),
        (production, "max-age=31536000; includeSubDomains"),
    ):
        app = create_app(settings)
        for url in ("/login", "/api/v1/offices"):
            response = app.test_client().get(url)
            assert response.headers.get("Strict-Transport-Security") == hsts, (settings.env, url)
            assert_hardened(response, url)


def client_address_app(settings, trusted_proxies: int):
    from service import create_app

    app = create_app(settings.model_copy(update={"trusted_proxies": trusted_proxies}))
    app.add_url_rule("/test-client-address", "test_client_address", lambda: client_ip())
    return app.test_client()


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(pg_database):
    client = client_address_app(pg_database, 0)
    response = client.get(
        "/test-client-address",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "198.51.100.20"},
    )
    assert response.get_data(as_text=True) == "198.51.100.20"


def test_x_forwarded_for_is_believed_from_as_many_proxies_as_configured(pg_database):
    one = client_address_app(pg_database, 1)
    forwarded = {"X-Forwarded-For": "192.0.2.99, 203.0.113.7"}  # a forged first entry
    peer = {"REMOTE_ADDR": "10.0.0.2"}  # the reverse proxy
    assert one.get("/test-client-address", headers=forwarded, environ_base=peer).text == (
        "203.0.113.7"
    )
    assert one.get("/test-client-address", environ_base=peer).text == "10.0.0.2"
    two = client_address_app(pg_database, 2)
    assert two.get("/test-client-address", headers=forwarded, environ_base=peer).text == (
        "192.0.2.99"
    )
