"""The relation transfer's web form: filed in one go, every error under its field with what was
typed kept, a same-pool "transfer" offered as a registration change in one click."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from service.sla.service import local_today

pytestmark = pytest.mark.services


def text(response) -> str:
    return response.get_data(as_text=True)


def form(**changes) -> dict:
    data = {
        "transfer_out_office": "jinniu",
        "transfer_in_office": "shifang",
        "person-name": "李四",
        "person-id_number": "510106199001011233",
        "person-phone": "13900000000",
        "scheme_out": "employee",
        "scheme_in": "employee",
        "suspended_on": (local_today() - timedelta(days=2)).isoformat(),
        "reason": "residence",
        "periods-0-pool_code": "510100",
        "periods-0-start": "2016-01",
        "periods-0-end": "2026-10",
        "periods-0-actual_years": "10.8",
        "periods-0-deemed_years": "",
        "account_balance": "1200.00",
    }
    data.update(changes)
    return data


def field_errors(page: str) -> dict[str, str]:
    return {
        name: unescape(message)
        for name, message in re.findall(
            r'<div class="error" data-field="([^"]+)">([^<]*)</div>', page
        )
    }


def test_a_clerk_files_a_transfer_in_on_the_form_and_blank_period_rows_are_ignored(
    client, auth, api
):
    auth.login("shifang-clerk")
    page = client.get("/cases/new/transfer")
    assert page.status_code == 200
    assert 'name="periods-3-end"' in text(page)  # four period rows
    assert re.search(r'<option selected value="shifang">|value="shifang" selected', text(page))
    created = client.post("/cases/new/transfer", data=form())
    assert created.status_code == 302, field_errors(text(created))
    case_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    case = api("shifang-clerk").get(f"/cases/{case_id}").get_json()
    assert case["receiving_office"] == "jinniu"
    assert len(case["details"]["periods"]) == 1
    assert case["details"]["periods"][0]["deemed_years"] == "0"
    # the case page offers the transfer-out office its step once accepted
    api("jinniu-clerk").act(case_id, "accept")
    auth.logout()
    auth.login("jinniu-clerk")
    assert 'data-action="issue_form"' in text(client.get(f"/cases/{case_id}"))


def test_every_error_is_shown_under_its_field_and_the_typed_values_stay(client, auth):
    auth.login("shifang-clerk")
    bad = form(
        **{
            "person-id_number": "510106199001011234",
            "suspended_on": "2026/03/01",
            "periods-1-pool_code": "510600",
            "periods-1-start": "2026-11",
            "periods-1-end": "2026-01",
            "account_balance": "12.345",
        }
    )
    response = client.post("/cases/new/transfer", data=bad)
    assert response.status_code == 422
    errors = field_errors(text(response))
    assert {"person-id_number", "suspended_on", "periods-1-end", "account_balance"} <= set(errors)
    assert "510106199001011234" in text(response)
    assert errors["suspended_on"] == "日期格式为 YYYY-MM-DD，例如 2026-03-31。"
    assert 'value="12.345"' in text(response)


def test_a_domain_refusal_lands_under_its_field(client, auth):
    auth.login("shifang-clerk")
    later = (local_today() + timedelta(days=5)).isoformat()
    response = client.post("/cases/new/transfer", data=form(suspended_on=later))
    assert response.status_code == 422
    assert later in field_errors(text(response))["suspended_on"]


def test_one_pool_is_explained_and_offered_as_a_registration_change(client, auth):
    auth.login("jinniu-clerk")
    response = client.post(
        "/cases/new/transfer",
        data=form(transfer_out_office="jinniu", transfer_in_office="pengzhou"),
    )
    assert response.status_code == 422
    assert "不需要办理关系转移接续" in field_errors(text(response))["transfer_in_office"]
    assert "同一统筹区内无需办理关系转移" in text(response)
    link = unescape(re.search(r'href="([^"]+)" id="registration-link"', text(response)).group(1))
    url = urlsplit(link)
    assert url.path == "/cases/new/registration"
    assert parse_qs(url.query) == {
        "action": ["change"],
        "receiving_office": ["pengzhou"],
        "name": ["李四"],
        "id_number": ["510106199001011233"],
        "phone": ["13900000000"],
        "scheme": ["employee"],
        "pool_code": ["510100"],
    }


def test_an_open_transfer_for_the_person_is_named_and_linked(client, auth, api):
    first = (
        api("jinniu-clerk")
        .post(
            "/cases",
            json={
                "kind": "transfer",
                "transfer_out_office": "jinniu",
                "transfer_in_office": "shifang",
                "person": {"name": "李四", "id_number": "510106199001011233"},
                "scheme_out": "employee",
                "scheme_in": "employee",
                "suspended_on": local_today().isoformat(),
                "reason": "employment",
            },
        )
        .get_json()
    )
    auth.login("shifang-clerk")
    response = client.post("/cases/new/transfer", data=form())
    assert response.status_code == 409
    assert first["number"] in text(response)
    assert f'href="/cases/{first["id"]}"' in text(response)


def test_the_case_page_shows_the_transfer_and_the_printable_form_once_issued(client, auth, api):
    shifang, jinniu = api("shifang-clerk"), api("jinniu-clerk")
    case = shifang.post(
        "/cases",
        json={
            "kind": "transfer",
            "transfer_out_office": "jinniu",
            "transfer_in_office": "shifang",
            "person": {"name": "王五", "id_number": "510106199001011233"},
            "scheme_out": "employee",
            "scheme_in": "resident",
            "suspended_on": local_today().isoformat(),
            "reason": "household",
            "account_balance": "88.50",
        },
    ).get_json()
    auth.login("shifang-clerk")
    page = text(client.get(f"/cases/{case['id']}"))
    assert "510106199001011233" in page and "城乡居民基本医疗保险" in page and "户籍变动" in page
    # suspended today: no gap yet, so far; at most 3 months means back-payment
    assert re.search(r'id="coverage-gap" data-months="0" data-consequence="back_payment"', page)
    assert 'id="info-form-link"' not in page
    assert client.get(f"/cases/{case['id']}/info-form").status_code == 409
    jinniu.act(case["id"], "accept")
    jinniu.act(case["id"], "issue_form")
    page = text(client.get(f"/cases/{case['id']}"))
    assert 'id="info-form-link"' in page
    # a balance (88.50) is credited, with a note, before the transfer can be completed
    assert 'data-action="credit_balance"' in page and 'data-action="complete"' not in page
    credited = client.post(
        f"/cases/{case['id']}/act", data={"action": "credit_balance", "note": "88.50 元已入账"}
    )
    assert credited.status_code == 302
    page = text(client.get(f"/cases/{case['id']}"))
    assert 'data-action="complete"' in page and "88.50 元已入账" in page
    assert 'id="info-form-link"' in page
    printed = client.get(f"/cases/{case['id']}/info-form")
    assert printed.status_code == 200
    body = text(printed)
    assert "参保人员基本医疗保险信息表" in body and "成都市金牛区医疗保障局" in body
    code = api("shifang-clerk").get(f"/cases/{case['id']}/info-form").get_json()
    assert code["verification_code"] in body and 'id="verified"' in body
    assert "未被改动" in body
    auth.logout()
    auth.login("pengzhou-clerk")
    assert client.get(f"/cases/{case['id']}/info-form").status_code == 404


def test_a_period_error_lands_on_the_row_it_was_typed_in_past_blank_rows(client, auth):
    auth.login("shifang-clerk")
    # the browser sends every row; the first two are left blank
    names = ("pool_code", "start", "end", "actual_years", "deemed_years")
    rows = {f"periods-{i}-{name}": "" for i in range(4) for name in names}
    rows.update(
        {
            "periods-2-pool_code": "510600",
            "periods-2-start": "2026-05",
            "periods-2-end": "2026-13",
            "periods-2-actual_years": "0.5",
        }
    )
    response = client.post("/cases/new/transfer", data=form(**rows))
    assert response.status_code == 422
    errors = field_errors(text(response))
    assert set(errors) == {"periods-2-end"}
    assert 'value="2026-13"' in text(response)


def test_a_supervising_bureau_reads_the_transfer_with_the_number_masked(client, auth, api):
    case = (
        api("shifang-clerk")
        .post(
            "/cases",
            json={
                "kind": "transfer",
                "transfer_out_office": "jinniu",
                "transfer_in_office": "shifang",
                "person": {"name": "赵六", "id_number": "510106199001011233"},
                "scheme_out": "employee",
                "scheme_in": "employee",
                "suspended_on": local_today().isoformat(),
                "reason": "employment",
            },
        )
        .get_json()
    )
    auth.login("deyang-supervisor")
    page = text(client.get(f"/cases/{case['id']}"))
    assert "5101**********1233" in page and "510106199001011233" not in page


def test_the_case_page_shows_a_long_gaps_waiting_period_and_how_sure_it_is(client, auth, api):
    long_ago = (local_today() - timedelta(days=200)).isoformat()
    filed = api("shifang-clerk").post(
        "/cases",
        json={
            "kind": "transfer",
            "transfer_out_office": "jinniu",
            "transfer_in_office": "shifang",
            "person": {"name": "王五", "id_number": "510106199001011233"},
            "scheme_out": "employee",
            "scheme_in": "employee",
            "suspended_on": long_ago,
            "reason": "employment",
        },
    )
    case = filed.get_json()
    auth.login("shifang-clerk")
    page = text(client.get(f"/cases/{case['id']}"))
    shown = re.search(r'<dd id="coverage-gap"[^>]*>(.*?)</dd>', page, re.S)
    assert shown and 'data-consequence="waiting_period"' in shown.group(0)
    months = case["details"]["coverage_gap"]["months"]
    assert months > 3 and f'data-months="{months}"' in shown.group(0)
    assert 'data-confidence="C"' in shown.group(1)  # 德阳's waiting period is an assumption
