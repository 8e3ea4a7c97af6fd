"""参保登记 between offices: filed over the API or the form, done by an office of the person's
pool within 10 working days, every bad value refused under its field, prefilled by a link."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from service.db import get_db
from service.notifications.models import Notification
from service.sla.models import CaseClock

pytestmark = pytest.mark.services

ID = "11010519491231002X"


def body(**changes) -> dict:
    data = {
        "kind": "registration",
        "action": "change",
        "receiving_office": "pengzhou",
        "person": {"name": "张三", "id_number": ID, "phone": "028-83330000"},
        "scheme": "employee",
        "pool_code": "510100",
    }
    data.update(changes)
    return data


def text(response) -> str:
    return response.get_data(as_text=True)


def clocks_of(app, case_id):
    with get_db(app).session() as db:
        return list(
            db.exec(select(CaseClock).where(CaseClock.case_id == case_id).order_by(CaseClock.id))
        )


def told(app, case_id):
    with get_db(app).session() as db:
        return {
            (n.recipient_office, n.event)
            for n in db.exec(select(Notification).where(Notification.case_id == case_id))
        }


def test_a_registration_is_accepted_and_completed_by_the_office_of_the_pool(app, api):
    shifang, jinniu = api("shifang-clerk"), api("jinniu-clerk")
    filed = shifang.post(
        "/cases", json=body(action="register", receiving_office="jinniu", scheme="resident")
    )
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert (case["kind"], case["status"], case["business_status"]) == (
        "registration",
        "requested",
        "register",
    )
    assert (case["filing_office"], case["receiving_office"]) == ("shifang", "jinniu")
    assert "张三" in case["title"]
    assert case["details"] == {
        "action": "register",
        "person": {"name": "张三", "id_number": ID, "phone": "028-83330000"},
        "scheme": "resident",
        "pool_code": "510100",
    }
    assert ("jinniu", "registration.requested") in told(app, case["id"])

    # the filer may not act in the receiver's place
    assert shifang.act(case["id"], "accept").status_code == 403
    accepted = jinniu.act(case["id"], "accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["owner_office"] == "jinniu"
    held = jinniu.act(case["id"], "hold", reason="等待单位补缴")
    assert held.get_json()["status"] == "on_hold"
    assert jinniu.act(case["id"], "complete").status_code == 409
    assert jinniu.act(case["id"], "resume").get_json()["status"] == "in_progress"
    done = jinniu.act(case["id"], "complete")
    assert done.get_json()["status"] == "completed"

    timeline = [e["action"] for e in shifang.get(f"/cases/{case['id']}/timeline").get_json()]
    assert timeline == ["file", "accept", "hold", "resume", "complete"]
    assert {
        ("shifang", "registration.accepted"),
        ("shifang", "registration.completed"),
    } <= told(app, case["id"])
    (clock,) = clocks_of(app, case["id"])
    assert (clock.step, clock.status) == ("handle", "met")


def test_the_handling_clock_runs_10_working_days_from_filing_over_national_day(
    app, api, monkeypatch
):
    from service.sla import service as sla

    monkeypatch.setattr(sla, "local_today", lambda: date(2026, 9, 28))  # a Monday
    case = api("jinniu-clerk").post("/cases", json=body()).get_json()
    (clock,) = clocks_of(app, case["id"])
    assert (clock.step, clock.days, clock.unit, clock.owing_office) == (
        "handle",
        10,
        "working",
        "pengzhou",
    )
    # 9-29, 9-30, (10-1 … 10-7 National Day), 10-8, 10-9, 10-10 (make-up Saturday), 10-12 … 10-16
    assert clock.due_on == date(2026, 10, 16)
    assert not clock.provisional
    assert case["due_at"].startswith("2026-10-16")


def test_return_for_completion_pauses_the_clock_until_the_filer_resubmits(app, api):
    jinniu, pengzhou = api("jinniu-clerk"), api("pengzhou-clerk")
    case = jinniu.post("/cases", json=body(action="cancel")).get_json()
    assert pengzhou.act(case["id"], "return").status_code == 422  # a reason is needed
    returned = pengzhou.act(case["id"], "return", reason="请补充注销原因证明")
    assert returned.get_json()["status"] == "returned"
    assert [c.status for c in clocks_of(app, case["id"])] == ["paused"]
    assert ("jinniu", "registration.returned") in told(app, case["id"])
    resubmitted = jinniu.act(case["id"], "resubmit", description="已补充死亡证明")
    assert resubmitted.get_json()["status"] == "requested"
    assert resubmitted.get_json()["description"] == "已补充死亡证明"
    assert [c.status for c in clocks_of(app, case["id"])] == ["running"]
    assert jinniu.act(case["id"], "cancel").status_code == 422  # a reason is needed
    cancelled = jinniu.act(case["id"], "cancel", reason="参保人已自行办理")
    assert cancelled.get_json()["status"] == "cancelled"
    assert [c.status for c in clocks_of(app, case["id"])] == ["met"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"action": "move"}, "action"),
        ({"scheme": "farmer"}, "scheme"),
        ({"person": {"name": "张三", "id_number": "110105194912310021"}}, "person.id_number"),
        ({"person": {"name": "", "id_number": ID}}, "person.name"),
        ({"person": {"name": "张三", "id_number": ID, "phone": "call me"}}, "person.phone"),
        ({"pool_code": "510700"}, "pool_code"),
        ({"receiving_office": "shifang"}, "receiving_office"),  # not in pool 510100
        ({"receiving_office": "jinniu"}, "receiving_office"),  # the filer's own office
        ({"receiving_office": "chengdu"}, "receiving_office"),  # a bureau does not register
    ],
)
def test_a_bad_value_is_refused_under_its_field(api, changes, field):
    response = api("jinniu-clerk").post("/cases", json=body(**changes))
    assert response.status_code == 422, response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_an_office_outside_the_pool_is_refused_in_words(api):
    response = api("jinniu-clerk").post("/cases", json=body(receiving_office="shifang"))
    (error,) = response.get_json()["errors"]
    assert "510600" in error["message"] and "510100" in error["message"]


def test_an_office_not_party_to_the_registration_gets_404(api):
    case = api("jinniu-clerk").post("/cases", json=body()).get_json()
    shifang = api("shifang-clerk")
    assert shifang.get(f"/cases/{case['id']}").status_code == 404
    assert shifang.get(f"/cases/{case['id']}/timeline").status_code == 404
    assert shifang.act(case["id"], "accept").status_code == 404
    assert shifang.get("/cases?kind=registration").get_json()["items"] == []
    # the list never carries the person's details
    listed = api("pengzhou-clerk").get("/cases?kind=registration").get_json()["items"]
    assert [c["id"] for c in listed] == [case["id"]] and listed[0]["details"] is None


FORM = {
    "action": "change",
    "person-name": "李四",
    "person-id_number": ID.lower(),
    "person-phone": "13800000000",
    "scheme": "employee",
    "pool_code": "510100",
    "receiving_office": "pengzhou",
    "description": "工作单位变更",
}


def test_the_form_files_a_registration_the_receiver_accepts(app, client, auth, api):
    auth.login("jinniu-clerk")
    chooser = text(client.get("/cases/new"))
    assert "/cases/new/registration" in chooser
    page = text(client.get("/cases/new/registration"))
    assert "彭州市医疗保障局" in page and "510100" in page
    created = client.post("/cases/new/registration", data=FORM)
    assert created.status_code == 302, text(created)
    case_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    case = api("pengzhou-clerk").get(f"/cases/{case_id}").get_json()
    assert case["details"]["person"] == {"name": "李四", "id_number": ID, "phone": "13800000000"}
    assert case["details"]["action"] == "change"
    assert case["description"] == "工作单位变更"
    assert api("pengzhou-clerk").act(case_id, "accept").get_json()["status"] == "accepted"
    page = text(client.get(f"/cases/{case_id}"))
    details = page[page.index('id="registration-details"') :]
    assert "变更登记" in details and "李四" in details and ID in details
    assert "职工基本医疗保险" in details and "510100" in details


def test_the_form_names_every_mistake_in_chinese_and_keeps_what_was_typed(client, auth):
    auth.login("jinniu-clerk")
    response = client.post(
        "/cases/new/registration",
        data={**FORM, "action": "", "person-id_number": "110105194912310021", "scheme": ""},
    )
    assert response.status_code == 422
    page = text(response)
    assert '<div class="error" data-field="person-id_number">' in page
    assert "校验" in page  # the check character does not match
    assert '<div class="error" data-field="action">' in page
    assert '<div class="error" data-field="scheme">' in page
    assert "李四" in page and "110105194912310021" in page and "工作单位变更" in page


def test_the_form_refuses_an_office_outside_the_pool_under_its_field(client, auth):
    auth.login("jinniu-clerk")
    response = client.post(
        "/cases/new/registration", data={**FORM, "receiving_office": "shifang", "person-name": ""}
    )
    assert response.status_code == 422
    page = text(response)
    # both mistakes at once: the office outside the pool and the missing name
    assert '<div class="error" data-field="receiving_office">' in page
    assert "什邡属于统筹区 510600，不属于 510100" in page
    assert '<div class="error" data-field="person-name">' in page and "请填写姓名" in page
    # the filer's own office is not offered, and refused when sent anyway
    own = client.post("/cases/new/registration", data={**FORM, "receiving_office": "jinniu"})
    assert own.status_code == 422
    assert '<div class="error" data-field="receiving_office">' in text(own)


def test_a_link_prefills_the_form_and_sending_it_checks_the_values(client, auth):
    auth.login("pengzhou-clerk")
    page = text(
        client.get(
            "/cases/new/registration",
            query_string={
                "action": "change",
                "receiving_office": "jinniu",
                "name": "王五",
                "id_number": ID,
                "phone": "13900000000",
                "scheme": "resident",
                "pool_code": "510100",
            },
        )
    )
    assert 'id="prefilled"' in page
    assert 'value="王五"' in page and f'value="{ID}"' in page and 'value="13900000000"' in page
    assert re.search(r'<input checked[^>]*value="change">', page)
    for value in ("jinniu", "resident", "510100"):
        assert f'<option selected value="{value}">' in page
    # a value a link carries is only shown: markup stays text
    hostile = text(client.get("/cases/new/registration?name=<script>x</script>"))
    assert "<script>x</script>" not in hostile
    # sent, the form's own values count and are checked, never the link's
    sent = client.post(
        "/cases/new/registration?name=王五&id_number=" + ID,
        data={**FORM, "person-name": "", "person-id_number": "110105194912310021"},
    )
    assert sent.status_code == 422
    assert '<div class="error" data-field="person-name">' in text(sent)
    assert '<div class="error" data-field="person-id_number">' in text(sent)
    assert 'id="prefilled"' not in text(sent)
    # a link naming only the office fills in its pool
    office_only = text(client.get("/cases/new/registration?receiving_office=shifang"))
    assert '<option selected value="510600">' in office_only
    # nothing is prefilled without a link
    assert 'id="prefilled"' not in text(client.get("/cases/new/registration"))


class _FormValues(HTMLParser):
    """The values a browser would send for the page's form as it is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") not in ("file", "submit"):
            if a.get("type") != "radio" or "checked" in a:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def test_a_transfer_inside_one_pool_becomes_a_registration_change_in_one_click(client, auth, api):
    from tests.integration.test_transfer_pages import form as transfer_form

    auth.login("jinniu-clerk")
    refused = client.post(
        "/cases/new/transfer",
        data=transfer_form(transfer_out_office="jinniu", transfer_in_office="pengzhou"),
    )
    assert refused.status_code == 422
    link = unescape(re.search(r'href="([^"]+)" id="registration-link"', text(refused)).group(1))
    shown = _FormValues()
    shown.feed(text(client.get(link)))
    assert shown.values["person-name"] == "李四"
    # the clerk only presses "send"
    sent = client.post("/cases/new/registration", data=shown.values)
    assert sent.status_code == 302, text(sent)
    case_id = int(sent.headers["Location"].rstrip("/").split("/")[-1])
    case = api("pengzhou-clerk").get(f"/cases/{case_id}").get_json()
    assert (case["kind"], case["business_status"], case["receiving_office"]) == (
        "registration",
        "change",
        "pengzhou",
    )
    assert case["details"]["person"] == {
        "name": "李四",
        "id_number": "510106199001011233",
        "phone": "13900000000",
    }
    assert (case["details"]["scheme"], case["details"]["pool_code"]) == ("employee", "510100")


def test_the_openapi_document_describes_the_registration_body(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    body = schemas["RegistrationCaseCreate"]
    assert {"action", "receiving_office", "person", "scheme", "pool_code"} <= set(body["required"])
    assert body["properties"]["action"]["enum"] == ["register", "change", "cancel"]
    assert body["properties"]["scheme"]["enum"] == ["employee", "resident"]
