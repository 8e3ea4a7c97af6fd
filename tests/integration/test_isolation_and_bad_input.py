"""An office sees only cases it is party to; bad input is a clear 4xx and writes nothing."""

from __future__ import annotations

import http.client
import io
import json
import subprocess
import sys

import pytest
from sqlalchemy import func
from sqlmodel import select

from service.cases.models import Case
from service.db import get_db
from service.notifications.models import Notification
from tests.support import ROOT, free_port, port_open, settings_env, wait_for

pytestmark = pytest.mark.services


def count(app, model) -> int:
    with get_db(app).session() as db:
        return db.exec(select(func.count()).select_from(model)).one()


def test_office_not_party_gets_404_everywhere(app, api, auth, client, worker):
    jinniu, pengzhou = api("jinniu-clerk"), api("pengzhou-clerk")
    case = jinniu.file(title="金牛到什邡的请求").get_json()
    wait_for(lambda: api("shifang-clerk").get("/inbox").get_json()["items"], message="delivery")

    for url in (f"/cases/{case['id']}", f"/cases/{case['id']}/timeline"):
        response = pengzhou.get(url)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"
    assert pengzhou.act(case["id"], "accept").status_code == 404
    assert pengzhou.act(case["id"], "cancel", reason="重复").status_code == 404
    assert pengzhou.get("/cases").get_json()["items"] == []
    assert pengzhou.get("/inbox").get_json()["items"] == []

    auth.login("pengzhou-clerk")
    assert client.get(f"/cases/{case['id']}").status_code == 404
    listing = client.get("/cases").get_data(as_text=True)
    assert case["number"] not in listing
    assert case["number"] not in client.get("/inbox").get_data(as_text=True)


def test_supervising_bureaus_read_but_do_not_act(api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file(to="shifang").get_json()
    for bureau in ("chengdu-supervisor", "deyang-supervisor", "sichuan-supervisor"):
        reader = api(bureau)
        assert reader.get(f"/cases/{case['id']}").status_code == 200
        assert reader.act(case["id"], "accept").status_code == 403
    # 成都市局 oversees 金牛 and 彭州 only: a 彭州→什邡 case is not its business... but 彭州 is under it
    internal = api("shifang-clerk").file(to="jinniu").get_json()
    assert api("deyang-supervisor").get(f"/cases/{internal['id']}").status_code == 200


def test_admin_sees_no_case_content(api):
    case = api("jinniu-clerk").file().get_json()
    admin = api("admin")
    assert admin.get(f"/cases/{case['id']}").status_code == 404
    assert admin.get("/cases").get_json()["items"] == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "general", "title": "x", "description": "y"}, 422, "receiving_office"),
        ({"kind": "general", "receiving_office": "shifang"}, 422, "title"),
        ({"kind": "general", "receiving_office": "shifang", "title": "   "}, 422, "title"),
        ({"kind": "general", "receiving_office": 42, "title": "x"}, 422, "receiving_office"),
        (
            {"kind": "general", "receiving_office": "chongqing", "title": "x"},
            422,
            "receiving_office",
        ),
        ({"kind": "general", "receiving_office": "jinniu", "title": "x"}, 422, "receiving_office"),
        ({"kind": "general", "receiving_office": "chengdu", "title": "x"}, 422, "receiving_office"),
        ({"kind": "general", "receiving_office": "shifang", "title": "x" * 201}, 422, "title"),
        (
            {"kind": "general", "receiving_office": "shifang", "title": "x", "extra": 1},
            422,
            "extra",
        ),
        ({"kind": "teleport", "receiving_office": "shifang", "title": "x"}, 422, "kind"),
        ({"receiving_office": "shifang", "title": "x"}, 422, "kind"),
        (["not", "an", "object"], 422, "body"),
    ],
)
def test_bad_case_bodies_name_the_field_and_write_nothing(app, api, body, status, field):
    jinniu = api("jinniu-clerk")
    response = jinniu.post("/cases", json=body)
    assert response.status_code == status
    problem = response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    assert problem["status"] == status and problem["title"]
    assert field in [e["field"] for e in problem["errors"]]
    assert count(app, Case) == 0
    assert count(app, Notification) == 0


def test_malformed_json_and_huge_bodies_are_rejected(app, api):
    jinniu = api("jinniu-clerk")
    headers = {"Content-Type": "application/json"}
    broken = jinniu.client.post(
        "/api/v1/cases", data="{not json", headers={**jinniu._headers(), **headers}
    )
    assert broken.status_code == 400
    assert broken.get_json()["errors"][0]["field"] == "body"

    text = jinniu.client.post(
        "/api/v1/cases",
        data="kind=general",
        headers={**jinniu._headers(), "Content-Type": "text/plain"},
    )
    assert text.status_code == 415

    huge = jinniu.client.post(
        "/api/v1/cases",
        data=b'{"title": "' + b"x" * 2_000_000 + b'"}',
        headers={**jinniu._headers(), **headers},
    )
    assert huge.status_code == 413
    assert huge.headers["Content-Type"] == "application/problem+json"
    assert count(app, Case) == 0


def test_missing_or_bad_token_is_401(client):
    assert client.get("/api/v1/cases").status_code == 401
    bad = client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.headers["Content-Type"] == "application/problem+json"


def test_wrong_password_is_401_and_revoked_token_stops_working(client, api):
    wrong = client.post(
        "/api/v1/auth/token", json={"username": "jinniu-clerk", "password": "guess"}
    )
    assert wrong.status_code == 401
    jinniu = api("jinniu-clerk")
    assert jinniu.get("/cases").status_code == 200
    assert jinniu.client.delete("/api/v1/auth/token", headers=jinniu._headers()).status_code == 204
    assert jinniu.get("/cases").status_code == 401


def test_repeated_failures_throttle_the_login(client, auth):
    for _ in range(5):
        assert auth.login("pengzhou-clerk", "wrong-password").status_code == 401
    blocked = auth.login("pengzhou-clerk")  # even the right password waits now
    assert blocked.status_code == 429
    token = client.post(
        "/api/v1/auth/token", json={"username": "pengzhou-clerk", "password": "demo-pass-2026"}
    )
    assert token.status_code == 429


def test_unknown_action_and_unknown_case(api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()
    assert jinniu.act(case["id"], "teleport").status_code == 409
    assert jinniu.get("/cases/999999").status_code == 404
    assert jinniu.post("/inbox/999999/read").status_code == 404


def test_control_characters_are_refused_with_a_message_not_a_500(app, api, client, auth):
    jinniu = api("jinniu-clerk")
    nul = jinniu.post(
        "/cases", json={"kind": "general", "receiving_office": "shi\u0000fang", "title": "x"}
    )
    assert nul.status_code == 422
    assert nul.get_json()["errors"][0]["field"] == "receiving_office"
    assert "控制字符" in nul.get_json()["errors"][0]["message"]
    assert jinniu.get("/cases?q=a%00b").status_code == 422
    case = jinniu.file().get_json()
    assert jinniu.act(case["id"], "cancel", reason="bad\u0000").status_code == 422
    assert count(app, Notification) == 1  # only the filing's

    token = client.post("/api/v1/auth/token", json={"username": "jinniu\u0000", "password": "x"})
    assert token.status_code == 422
    login = auth.login("jinniu\u0000clerk", "x")
    assert login.status_code == 422
    auth.login("jinniu-clerk")
    assert client.get("/cases?q=a%00b&office=%00").status_code == 200
    form = client.post(
        "/cases/new/general", data={"receiving_office": "shifang", "title": "a\u0000b"}
    )
    assert form.status_code == 422


NESTED = "[" * 1000 + "]" * 1000


def _tracebacks(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


def test_json_nested_too_deeply_is_a_400_naming_the_body_never_a_traceback(
    app, api, client, auth, caplog
):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()
    as_json = {"Content-Type": "application/json"}
    for url, headers in (
        ("/api/v1/auth/token", {}),  # no token needed to send it
        ("/api/v1/cases", jinniu._headers()),
        (f"/api/v1/cases/{case['id']}/actions/accept", jinniu._headers()),
    ):
        response = client.post(url, data=NESTED, headers={**headers, **as_json})
        assert response.status_code == 400, url
        assert response.headers["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in response.get_json()["errors"]] == ["body"]
    # The forms read a JSON body too (Flask-WTF): a 400 page, not a 500.
    assert client.post("/login", data=NESTED, headers=as_json).status_code == 400
    auth.login("jinniu-clerk")
    assert client.post("/cases/new/general", data=NESTED, headers=as_json).status_code == 400
    assert _tracebacks(caplog) == []
    assert count(app, Case) == 1


def test_huge_page_and_cursor_numbers_are_refused_or_ignored_never_a_500(api, client, auth):
    jinniu = api("jinniu-clerk")
    jinniu.file(title="列表里的案件")
    for url in (
        "/inbox?cursor=9223372036854775808",
        "/cases?cursor=100000000000000000000",
        "/deliveries?case_id=9223372036854775808",
    ):
        response = jinniu.get(url)
        assert response.status_code == 422, url
        assert response.headers["Content-Type"] == "application/problem+json"
    auth.login("jinniu-clerk")
    for url in (
        "/cases?page=100000000000000000000",
        "/cases?page=2147483648",
        "/cases?page=%EF%BC%92",  # a full-width 2
        "/inbox?cursor=9223372036854775808",
        "/inbox?cursor=-1",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
    # A page number beyond any there could be shows the first page.
    assert "列表里的案件" in client.get("/cases?page=100000000000000000000").get_data(as_text=True)


def test_an_error_page_renders_after_a_query_failed_in_the_database(app, client, auth, caplog):
    from sqlalchemy import text
    from sqlalchemy.exc import DataError

    from service.db import get_session

    def out_of_range():
        get_session().execute(text("SELECT CAST(:n AS bigint)"), {"n": "9223372036854775808"})
        return "unreachable"

    # Routes of this test only: a query PostgreSQL refuses ("bigint out of range") leaves the
    # request's transaction aborted, where the error page's own queries would fail too.
    app.add_url_rule("/test-only/out-of-range", "test_out_of_range", out_of_range)
    app.add_url_rule("/api/v1/test-only/out-of-range", "test_api_out_of_range", out_of_range)
    auth.login("jinniu-clerk")

    page = client.get("/test-only/out-of-range")
    assert page.status_code == 500
    assert page.mimetype == "text/html"
    assert "系统内部出错" in page.get_data(as_text=True)  # our error page, header and all
    api = client.get("/api/v1/test-only/out-of-range")
    assert api.status_code == 500
    assert api.headers["Content-Type"] == "application/problem+json"
    assert client.get("/cases").status_code == 200  # and the next request is fine
    # Logged: the failed query, twice; nothing failed while answering it.
    failures = {type(record.exc_info[1]) for record in caplog.records if record.exc_info}
    assert failures == {DataError}


def test_if_match_accepts_only_an_etag_the_service_issued(api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file().get_json()
    version = int(shifang.get(f"/cases/{case['id']}").headers["ETag"].strip('"'))
    wide = str(version).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    for value in (
        "*",  # "any version" would skip the check the client asked for
        str(version),  # unquoted
        f'"{wide}"',  # full-width digits
        f'"+{version}"',
        f'"{version}_0"',
        f'"{version}", "{version + 1}"',
        f'W/ "{version}"',
        "",
    ):
        refused = shifang.act(case["id"], "accept", if_match=value)
        assert refused.status_code == 422, value
        assert refused.get_json()["errors"][0]["field"] == "If-Match"
    assert shifang.get(f"/cases/{case['id']}").get_json()["status"] == "received"
    accepted = shifang.act(case["id"], "accept", if_match=f'W/"{version}"')
    assert accepted.status_code == 200
    assert accepted.headers["ETag"] == f'"{version + 1}"'


def test_ids_in_urls_are_plain_ascii_numbers_the_database_can_hold(api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()
    wide = str(case["id"]).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert jinniu.get(f"/cases/{case['id']}").status_code == 200
    for url in (
        f"/cases/{wide}",
        f"/cases/{wide}/timeline",
        f"/cases/0{case['id']}",
        "/cases/2147483648",
        "/cases/2147483648/attachments",  # not a 405 from the upload route beside it
        f"/inbox/{wide}/read",
    ):
        response = jinniu.post(url) if url.endswith("/read") else jinniu.get(url)
        assert response.status_code == 404, url
        assert response.headers["Content-Type"] == "application/problem+json"


def test_search_text_matches_percent_and_underscore_literally(api, client, auth):
    jinniu = api("jinniu-clerk")
    jinniu.file(title="报销比例 100% 核对")
    jinniu.file(title="普通请求")

    def titles(q: str) -> list[str]:
        response = jinniu.get("/cases", query_string={"q": q})
        return [c["title"] for c in response.get_json()["items"]]

    assert titles("%") == ["报销比例 100% 核对"]
    assert titles("0%") == ["报销比例 100% 核对"]
    assert titles("_") == []
    assert titles("\\") == []
    assert titles("请求") == ["普通请求"]
    auth.login("jinniu-clerk")
    page = client.get("/cases", query_string={"q": "%"}).get_data(as_text=True)
    assert "报销比例 100% 核对" in page and "普通请求" not in page


def _chunked(client, url: str, body: bytes, headers: dict):
    # As gunicorn hands a chunked body over: no Content-Length, the stream ends where the body
    # does (wsgi.input_terminated).
    return client.post(
        url,
        input_stream=io.BytesIO(body),
        headers={**headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413_not_cut_short(app, api):
    jinniu = api("jinniu-clerk")
    body = {"kind": "general", "receiving_office": "shifang", "title": "分块发送"}
    small = _chunked(jinniu.client, "/api/v1/cases", json.dumps(body).encode(), jinniu._headers())
    assert small.status_code == 201
    body["description"] = "x" * app.config["MAX_CONTENT_LENGTH"]
    large = _chunked(jinniu.client, "/api/v1/cases", json.dumps(body).encode(), jinniu._headers())
    assert large.status_code == 413
    assert large.headers["Content-Type"] == "application/problem+json"
    assert large.get_json()["errors"][0]["field"] == "body"
    assert count(app, Case) == 1


@pytest.fixture
def gunicorn(pg_database, tmp_path):
    """The service under a real gunicorn on a free port, stopped again at the end."""
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            + ["service.wsgi:app"],
            cwd=ROOT,
            env=settings_env(pg_database),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(
                lambda: port_open(port) or proc.poll() is not None,
                timeout=60,
                message="gunicorn",
            )
            assert proc.poll() is None, log_path.read_text(errors="replace")
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_gunicorn_answers_a_chunked_body_over_the_limit_with_413(gunicorn, pg_database):
    body = b'{"username": "' + b"x" * pg_database.max_request_bytes + b'", "password": "x"}'
    conn = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    try:
        conn.request(
            "POST",
            "/api/v1/auth/token",
            body=(body[i : i + 65536] for i in range(0, len(body), 65536)),
            headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        response = conn.getresponse()
        assert response.status == 413
        assert response.getheader("Content-Type") == "application/problem+json"
        assert json.loads(response.read())["errors"][0]["field"] == "body"
    finally:
        conn.close()
