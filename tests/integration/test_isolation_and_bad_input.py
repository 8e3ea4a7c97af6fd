"""An office sees only cases it is party to; bad input is a clear 4xx and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from service.cases.models import Case
from service.db import get_db
from service.notifications.models import Notification
from tests.support import wait_for

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
