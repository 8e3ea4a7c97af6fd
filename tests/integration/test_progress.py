"""The public progress page and its API: with the case number and the last six characters of
the ID number the person sees the kind, the step, the office holding the case and the due date
— nothing else; a wrong pair answers exactly like an unknown number; lookups are rate-limited
per address and every one is audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from service.audit.models import AuditEntry
from service.db import get_db
from service.offices.models import Office
from service.sla.service import local_today

pytestmark = pytest.mark.services

ID = "510106199001011233"
TAIL = ID[-6:]
NAME = "张三"


def transfer(**changes) -> dict:
    data = {
        "kind": "transfer",
        "transfer_out_office": "jinniu",
        "transfer_in_office": "shifang",
        "person": {"name": NAME, "id_number": ID, "phone": "13800000000"},
        "scheme_out": "employee",
        "scheme_in": "employee",
        "suspended_on": (local_today() - timedelta(days=3)).isoformat(),
        "reason": "employment",
        "periods": [
            {
                "pool_code": "510100",
                "start": "2015-07",
                "end": "2026-10",
                "actual_years": "11.3",
                "deemed_years": "0",
            }
        ],
        "account_balance": "3520.40",
    }
    data.update(changes)
    return data


def registration() -> dict:
    return {
        "kind": "registration",
        "action": "change",
        "receiving_office": "pengzhou",
        "person": {"name": "李四", "id_number": "11010519491231002X", "phone": "028-83330000"},
        "scheme": "employee",
        "pool_code": "510100",
    }


def file(api, username: str, data: dict) -> dict:
    filed = api(username).post("/cases", json=data)
    assert filed.status_code == 201, filed.get_json()
    return filed.get_json()


def ask(client, number: str, tail: str):
    return client.get("/api/v1/progress", query_string={"number": number, "id_tail": tail})


def lookups(app) -> list[AuditEntry]:
    with get_db(app).session() as db:
        return list(
            db.exec(
                select(AuditEntry)
                .where(AuditEntry.action == "progress.lookup")
                .order_by(AuditEntry.id)
            )
        )


def office_name(app, code: str) -> str:
    with get_db(app).session() as db:
        return db.get(Office, code).name


def test_the_matching_pair_shows_exactly_kind_step_office_and_due_date(app, api, client):
    case = file(api, "shifang-clerk", transfer())
    accepted = api("jinniu-clerk").act(case["id"], "accept").get_json()
    assert accepted["owner_office"] == "jinniu" and accepted["due_at"]
    answer = ask(client, case["number"].lower(), TAIL.lower())
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {
        "number": case["number"],
        "kind": "transfer",
        "kind_label": "基本医保关系转移接续",
        "step": "transfer_out",
        "step_label": answer.get_json()["step_label"],
        "office": office_name(app, "jinniu"),
        "due_date": accepted["due_at"][:10],
    }
    assert answer.get_json()["step_label"] not in ("", "transfer_out")
    text = answer.get_data(as_text=True)
    assert NAME not in text and ID not in text and TAIL not in text and "13800000000" not in text
    assert office_name(app, "shifang") not in text  # no other office, no other case


def test_the_page_shows_the_same_and_never_the_name_or_the_number(app, api, client):
    case = file(api, "shifang-clerk", transfer())
    page = client.post("/progress", data={"number": case["number"].lower(), "id_tail": TAIL})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="progress-result"' in html
    assert office_name(app, case["owner_office"]) in html
    for shown in ("progress-kind", "progress-step", "progress-office", "progress-due"):
        assert f'id="{shown}"' in html
    assert NAME not in html and ID not in html and TAIL not in html
    assert "<script>" not in html and "style=" not in html
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    blank = client.get("/progress")
    assert blank.status_code == 200 and 'id="progress-result"' not in blank.get_data(as_text=True)


def test_a_wrong_tail_answers_byte_for_byte_like_an_unknown_number(app, api, client):
    case = file(api, "shifang-clerk", transfer())
    wrong = ask(client, case["number"], "000000")
    unknown = ask(client, "JN-2026-999999", TAIL)
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.headers["Content-Type"] == unknown.headers["Content-Type"]
    assert wrong.get_data() == unknown.get_data()
    assert wrong.get_json()["detail"] == "没有与该案件编号和身份证号码相符的案件。"
    # the page alike, but for the number typed, which it shows back
    wrong_page = client.post("/progress", data={"number": case["number"], "id_tail": "000000"})
    unknown_page = client.post("/progress", data={"number": "JN-2026-999999", "id_tail": TAIL})
    assert wrong_page.status_code == unknown_page.status_code == 404
    assert wrong_page.get_data(as_text=True).replace(case["number"], "N") == (
        unknown_page.get_data(as_text=True).replace("JN-2026-999999", "N")
    )


def test_a_case_of_a_kind_without_a_person_is_never_found(app, api, client):
    general = api("jinniu-clerk").file().get_json()
    assert ask(client, general["number"], "000000").status_code == 404
    assert ask(client, general["number"], general["number"][-6:]).status_code == 404
    unknown = ask(client, "JN-2026-999999", TAIL)
    assert ask(client, general["number"], TAIL).get_data() == unknown.get_data()


def test_a_registration_is_found_by_its_person(app, api, client):
    case = file(api, "jinniu-clerk", registration())
    shown = ask(client, case["number"], "31002x").get_json()
    assert (shown["kind"], shown["step"]) == ("registration", "change")


def test_bad_input_is_refused_before_any_lookup(app, client):
    assert ask(client, "JN-2026-000001", "12345").status_code == 422
    assert ask(client, "JN 2026", "123456").status_code == 422
    assert client.get("/api/v1/progress").status_code == 422
    assert client.post("/progress", data={"number": "", "id_tail": "1"}).status_code == 422
    assert lookups(app) == []


def test_every_lookup_is_audited_with_the_number_and_never_the_tail(app, api, client):
    case = file(api, "shifang-clerk", transfer())
    ask(client, case["number"], TAIL)
    ask(client, case["number"], "000000")
    ask(client, "JN-2026-999999", TAIL)
    client.post("/progress", data={"number": case["number"], "id_tail": TAIL})
    entries = lookups(app)
    assert [(e.detail["number"], e.detail["found"], e.detail["channel"]) for e in entries] == [
        (case["number"], True, "api"),
        (case["number"], False, "api"),
        ("JN-2026-999999", False, "api"),
        (case["number"], True, "web"),
    ]
    assert [e.object_id for e in entries] == [str(case["id"])] * 2 + ["", str(case["id"])]
    assert all(e.ip == "127.0.0.1" and e.user_id is None for e in entries)
    assert all(TAIL not in repr(e.detail) and ID not in repr(e.detail) for e in entries)


@pytest.fixture
def limited(app, pg_database):
    """An app on the test's database whose lookups are limited to 3 a minute."""
    from service import create_app

    other = create_app(pg_database.model_copy(update={"progress_per_minute": 3}))
    other.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield other
    get_db(other).engine.dispose()


def test_lookups_beyond_the_limit_per_address_get_429(limited):
    here = limited.test_client()
    elsewhere = limited.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert [ask(here, "JN-2026-999999", TAIL).status_code for _ in range(2)] == [404, 404]
    assert (
        here.post("/progress", data={"number": "JN-2026-999999", "id_tail": TAIL}).status_code
        == 404
    )
    refused = ask(here, "JN-2026-999999", TAIL)  # page and API share one budget
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.get_json()["title"] == "请求过于频繁"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    page = here.post("/progress", data={"number": "JN-2026-999999", "id_tail": TAIL})
    assert page.status_code == 429 and 'id="progress-too-many"' in page.get_data(as_text=True)
    assert "查询次数过多" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) >= 1
    assert here.get("/progress").status_code == 200  # the blank form is not a lookup
    assert ask(elsewhere, "JN-2026-999999", TAIL).status_code == 404
    assert len(lookups(limited)) == 4  # refused lookups never reach the database


def test_the_filing_office_gets_the_receipt_line_for_kinds_with_a_person(app, api, client, auth):
    case = file(api, "shifang-clerk", transfer())
    general = api("shifang-clerk").file(to="jinniu").get_json()
    auth.login("shifang-clerk")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    receipt = re.search(r'id="progress-receipt">(.*?)</dd>', html)
    assert receipt and case["number"] in receipt.group(1)
    assert app.config["REFERRAL"].base_url.rstrip("/") + "/progress" in receipt.group(1)
    assert 'id="progress-receipt"' not in client.get(f"/cases/{general['id']}").get_data(
        as_text=True
    )
    auth.logout()
    auth.login("jinniu-clerk")  # the other office is no filer
    assert 'id="progress-receipt"' not in client.get(f"/cases/{case['id']}").get_data(as_text=True)
