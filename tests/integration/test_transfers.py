"""The relation transfer through the API: a 什邡 clerk files a transfer-in for a person coming
from 金牛; 金牛 accepts and issues the information form; 什邡 completes. Each step only by the
office that owes it; each refused condition named by its field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from service.db import get_db
from service.sla.models import CaseClock
from service.sla.service import local_today

pytestmark = pytest.mark.services

PERSON = {"name": "张三", "id_number": "510106199001011233", "phone": "13800000000"}
RETIRED_WOMAN = "51010619761201002X"  # born 1976-12-01, female: 50 in December 2026
RETIRED_MAN = "510106196001011117"


def body(**changes) -> dict:
    data = {
        "kind": "transfer",
        "transfer_out_office": "jinniu",
        "transfer_in_office": "shifang",
        "person": dict(PERSON),
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


def clocks(app, case_id):
    with get_db(app).session() as db:
        return [
            (c.step, c.status, c.owing_office)
            for c in db.exec(
                select(CaseClock).where(CaseClock.case_id == case_id).order_by(CaseClock.id)
            )
        ]


def due_in(app, days: int):
    from service.calendar import service as calendar
    from service.sla.rules import due_after

    with get_db(app).session() as db:
        return due_after(local_today(), days, "working", calendar.lookup(db)).date


def errors(response) -> dict:
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


def test_a_transfer_in_is_accepted_issued_and_completed_by_the_offices_that_owe_each_step(app, api):
    shifang, jinniu, pengzhou = api("shifang-clerk"), api("jinniu-clerk"), api("pengzhou-clerk")
    filed = shifang.post("/cases", json=body())
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert (case["kind"], case["status"], case["business_status"]) == (
        "transfer",
        "requested",
        "checking",
    )
    assert (case["filing_office"], case["receiving_office"]) == ("shifang", "jinniu")
    assert case["details"]["person"] == PERSON
    assert case["details"]["account_balance"] == "3520.40"
    assert case["details"]["periods"][0]["actual_years"] == "11.3"
    assert clocks(app, case["id"]) == []
    cid = case["id"]

    # a third office never sees it
    assert pengzhou.get(f"/cases/{cid}").status_code == 404
    assert pengzhou.act(cid, "accept").status_code == 404
    assert pengzhou.get("/cases").get_json()["items"] == []

    # the form cannot be issued before acceptance, nor by the transfer-in office
    assert jinniu.act(cid, "issue_form").status_code == 409
    accepted = jinniu.act(cid, "accept")
    assert accepted.status_code == 200, accepted.get_json()
    accepted = accepted.get_json()
    assert (accepted["status"], accepted["business_status"], accepted["owner_office"]) == (
        "accepted",
        "transfer_out",
        "jinniu",
    )
    assert clocks(app, cid) == [("transfer_out", "running", "jinniu")]
    # 10 working days from acceptance, on the official calendar
    assert accepted["due_at"][:10] == due_in(app, 10).isoformat()

    wrong = shifang.act(cid, "issue_form")
    assert wrong.status_code == 409
    assert "由本案的另一方单位办理" in wrong.get_json()["detail"]
    assert shifang.act(cid, "complete").status_code == 409

    issued = jinniu.act(cid, "issue_form")
    assert issued.status_code == 200, issued.get_json()
    issued = issued.get_json()
    assert (issued["status"], issued["business_status"]) == ("in_progress", "transfer_in")
    assert clocks(app, cid) == [
        ("transfer_out", "met", "jinniu"),
        ("transfer_in", "running", "shifang"),
    ]
    assert issued["due_at"][:10] == due_in(app, 5).isoformat()  # 5 working days from the form
    assert jinniu.act(cid, "complete").status_code == 409
    assert jinniu.act(cid, "issue_form").status_code == 409

    # the balance (3520.40) is credited before the transfer completes, by the transfer-in office
    assert shifang.act(cid, "complete").status_code == 409
    assert jinniu.act(cid, "credit_balance").status_code == 409
    credited = shifang.act(cid, "credit_balance", note="3520.40 元已记入个人账户")
    assert credited.status_code == 200, credited.get_json()
    credited = credited.get_json()
    assert (credited["status"], credited["business_status"]) == ("in_progress", "balance_credited")
    assert clocks(app, cid)[1] == ("transfer_in", "running", "shifang")  # no clock of its own
    assert shifang.act(cid, "credit_balance").status_code == 409

    done = shifang.act(cid, "complete")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed"
    assert [c[1] for c in clocks(app, cid)] == ["met", "met"]
    events = jinniu.get(f"/cases/{cid}/timeline").get_json()
    timeline = [e["action"] for e in events]
    assert timeline == ["file", "accept", "issue_form", "credit_balance", "complete"]
    assert events[3]["office"] == "shifang" and "3520.40 元已记入个人账户" in events[3]["note"]
    # the list carries no details (the person's number stays on the case page)
    listed = shifang.get("/cases").get_json()["items"]
    assert [c["id"] for c in listed] == [cid] and listed[0]["details"] is None


def test_a_transfer_without_a_balance_completes_straight_from_the_transfer_in(api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    cid = shifang.post("/cases", json=body(account_balance="0.00")).get_json()["id"]
    jinniu.act(cid, "accept")
    jinniu.act(cid, "issue_form")
    assert shifang.act(cid, "credit_balance").status_code == 409
    done = shifang.act(cid, "complete")
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["business_status"]) == (
        "completed",
        "completed",
    )


def test_a_transfer_out_filed_by_the_leaving_office_is_received_by_the_other_pool(api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.post("/cases", json=body()).get_json()
    assert (case["filing_office"], case["receiving_office"]) == ("jinniu", "shifang")
    assert shifang.act(case["id"], "accept").get_json()["owner_office"] == "shifang"
    # the transfer-out office (the filer here) owes the form, not the office that accepted
    assert shifang.act(case["id"], "issue_form").status_code == 409
    assert jinniu.act(case["id"], "issue_form").status_code == 200


def test_the_receiving_office_returns_rejects_and_the_filer_resubmits_or_cancels(api):
    shifang, jinniu = api("shifang-clerk"), api("jinniu-clerk")
    cid = shifang.post("/cases", json=body()).get_json()["id"]
    assert jinniu.act(cid, "return").status_code == 422  # a reason is required
    returned = jinniu.act(cid, "return", reason="请补充中止参保证明")
    assert returned.get_json()["status"] == "returned"
    assert shifang.act(cid, "resubmit").get_json()["status"] == "requested"
    assert jinniu.act(cid, "reject", reason="未中止参保").get_json()["status"] == "rejected"

    # a final case is no longer open: the person may be filed again, and withdrawn
    again = shifang.post("/cases", json=body())
    assert again.status_code == 201
    cancelled = shifang.act(again.get_json()["id"], "cancel", reason="参保人撤回申请")
    assert cancelled.get_json()["status"] == "cancelled"


def test_one_pool_needs_no_transfer(api):
    refused = api("jinniu-clerk").post(
        "/cases", json=body(transfer_out_office="jinniu", transfer_in_office="pengzhou")
    )
    assert refused.status_code == 422
    message = errors(refused)["transfer_in_office"]
    assert (
        message
        == "两个经办单位同属一个统筹区（510100），不需要办理关系转移接续，办理参保登记变更即可。"
    )


def test_neither_office_the_filers_own_is_refused(api):
    refused = api("pengzhou-clerk").post("/cases", json=body())
    assert refused.status_code == 422
    assert set(errors(refused)) == {"transfer_out_office", "transfer_in_office"}
    assert "须有一个是本单位" in errors(refused)["transfer_in_office"]
    unknown = api("shifang-clerk").post("/cases", json=body(transfer_out_office="chengdu"))
    assert set(errors(unknown)) == {"transfer_out_office"}


def test_an_invalid_id_number_is_refused_on_its_field(api):
    person = {**PERSON, "id_number": "510106199001011234"}
    refused = api("shifang-clerk").post("/cases", json=body(person=person))
    assert refused.status_code == 422
    assert set(errors(refused)) == {"person.id_number"}


def test_an_open_transfer_for_the_same_person_is_a_conflict_naming_it(api):
    shifang = api("shifang-clerk")
    first = shifang.post("/cases", json=body()).get_json()
    person = {**PERSON, "id_number": PERSON["id_number"].lower()}
    second = api("jinniu-clerk").post("/cases", json=body(person=person))
    assert second.status_code == 409
    assert second.get_json()["detail"] == f"该参保人已有未办结的关系转移：{first['number']}。"


def test_an_enrolment_not_yet_suspended_is_refused(api):
    later = (local_today() + timedelta(days=1)).isoformat()
    refused = api("shifang-clerk").post("/cases", json=body(suspended_on=later))
    assert refused.status_code == 422
    assert errors(refused)["suspended_on"].startswith(f"尚未中止参保（中止参保日期 {later}")


def test_resident_to_resident_moves_only_from_the_next_year(api):
    shifang = api("shifang-clerk")
    this_year = local_today().replace(month=1, day=1).isoformat()
    refused = shifang.post(
        "/cases", json=body(scheme_out="resident", scheme_in="resident", suspended_on=this_year)
    )
    assert refused.status_code == 422
    message = errors(refused)["scheme_in"]
    assert "居民医保转居民医保须到次年办理" in message and str(local_today().year + 1) in message
    last_year = local_today().replace(year=local_today().year - 1, day=1).isoformat()
    allowed = shifang.post(
        "/cases", json=body(scheme_out="resident", scheme_in="resident", suspended_on=last_year)
    )
    assert allowed.status_code == 201, allowed.get_json()
    # employee ↔ resident may move this year
    other = {**PERSON, "id_number": "510682198503152342"}
    mixed = shifang.post(
        "/cases",
        json=body(
            person=other, scheme_out="employee", scheme_in="resident", suspended_on=this_year
        ),
    )
    assert mixed.status_code == 201, mixed.get_json()


@pytest.mark.parametrize("id_number", [RETIRED_WOMAN, RETIRED_MAN])
def test_a_person_of_retirement_age_is_pointed_to_the_retiree_kind(api, id_number):
    person = {**PERSON, "id_number": id_number}
    refused = api("shifang-clerk").post("/cases", json=body(person=person))
    assert refused.status_code == 422
    assert "退休人员不适用关系转移接续" in errors(refused)["person.id_number"]


def test_bad_fields_are_named_by_their_path(api):
    bad = body(
        scheme_in="farmer",
        account_balance="12.345",
        periods=[{"pool_code": "510100", "start": "2020-05", "end": "2019-01", "actual_years": 1}],
    )
    refused = api("shifang-clerk").post("/cases", json=bad)
    assert refused.status_code == 422
    assert {"scheme_in", "account_balance", "periods[0].end"} <= set(errors(refused))


def test_the_information_form_is_issued_signed_and_a_changed_byte_fails(app, api):
    shifang, jinniu, pengzhou = api("shifang-clerk"), api("jinniu-clerk"), api("pengzhou-clerk")
    cid = shifang.post("/cases", json=body()).get_json()["id"]
    assert shifang.get(f"/cases/{cid}/info-form").status_code == 409  # not issued yet
    jinniu.act(cid, "accept")
    jinniu.act(cid, "issue_form")
    assert pengzhou.get(f"/cases/{cid}/info-form").status_code == 404
    received = shifang.get(f"/cases/{cid}/info-form")
    assert received.status_code == 200, received.get_json()
    form = received.get_json()
    assert form["title"] == "参保人员基本医疗保险信息表"
    assert form["issued_by"] == {"code": "jinniu", "name": "成都市金牛区医疗保障局"}
    assert form["issued_on"] == local_today().isoformat()
    assert form["person"] == PERSON and form["account_balance"] == "3520.40"
    assert form == jinniu.get(f"/cases/{cid}/info-form").get_json()

    assert shifang.post("/info-forms/verify", json=form).get_json() == {"valid": True}
    changed = {**form, "account_balance": "3520.41"}
    assert shifang.post("/info-forms/verify", json=changed).get_json() == {"valid": False}

    from service.audit.models import AuditEntry

    with get_db(app).session() as db:
        views = db.exec(select(AuditEntry).where(AuditEntry.action == "transfer.info_form")).all()
    assert {v.office_code for v in views} == {"shifang", "jinniu"}


def test_a_general_case_has_no_information_form(api):
    case = api("jinniu-clerk").file().get_json()
    assert api("jinniu-clerk").get(f"/cases/{case['id']}/info-form").status_code == 404


def test_the_coverage_gap_runs_until_the_transfer_in_completes_and_says_what_follows(api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = shifang.post("/cases", json=body(account_balance="0.00")).get_json()
    gap = case["details"]["coverage_gap"]
    assert (gap["months"], gap["consequence"], gap["waiting_months"], gap["so_far"]) == (
        1,
        "back_payment",
        None,
        True,
    )
    assert gap["until"] == local_today().isoformat()
    jinniu.act(case["id"], "accept")
    jinniu.act(case["id"], "issue_form")
    shifang.act(case["id"], "complete")
    gap = shifang.get(f"/cases/{case['id']}").get_json()["details"]["coverage_gap"]
    assert (gap["so_far"], gap["until"]) == (False, local_today().isoformat())
    # the list carries no details, so no gap either
    assert shifang.get("/cases").get_json()["items"][0]["details"] is None


def test_a_gap_longer_than_three_months_means_the_transfer_in_pools_waiting_period(api):
    shifang = api("shifang-clerk")
    suspended = (local_today() - timedelta(days=140)).isoformat()
    case = shifang.post("/cases", json=body(suspended_on=suspended)).get_json()
    gap = case["details"]["coverage_gap"]
    assert gap["months"] > 3
    # 什邡 is in the 德阳 pool: its waiting period from config/pools.toml, an assumption
    assert (gap["consequence"], gap["waiting_months"], gap["confidence"]) == (
        "waiting_period",
        6,
        "C",
    )
    withdrawn = shifang.act(case["id"], "cancel", reason="filed twice")
    assert withdrawn.get_json()["details"]["coverage_gap"] is None
