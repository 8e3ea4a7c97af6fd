"""A general cooperation request travels filer → outbox → worker → receiver's inbox and back."""

from __future__ import annotations

import pytest

from tests.support import wait_for

pytestmark = pytest.mark.services


def inbox_events(client, unread=False):
    response = client.get("/inbox" + ("?unread=true" if unread else ""))
    assert response.status_code == 200
    return [(i["event"], i["case_id"]) for i in response.get_json()["items"]]


def test_filed_request_reaches_the_receiving_inbox_and_the_answer_comes_back(api, worker):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")

    filed = jinniu.file(title="协助核实异地就医备案")
    assert filed.status_code == 201
    case = filed.get_json()
    assert case["status"] == "requested"
    assert case["number"].startswith("JN-") and case["number"].endswith("-000001")
    assert filed.headers["Location"] == f"/api/v1/cases/{case['id']}"

    wait_for(
        lambda: ("case.requested", case["id"]) in inbox_events(shifang), message="the inbox item"
    )

    # 什邡 opens it: the filer gets the read receipt
    opened = shifang.get(f"/cases/{case['id']}")
    assert opened.get_json()["status"] == "received"
    assert opened.get_json()["received_by"] == "什邡经办员"
    assert opened.headers["ETag"] == '"2"'

    accepted = shifang.act(case["id"], "accept", note="已安排专人核实", if_match='"2"')
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
    assert accepted.get_json()["owner_office"] == "shifang"

    wait_for(lambda: ("case.accepted", case["id"]) in inbox_events(jinniu), message="the answer")
    seen = jinniu.get(f"/cases/{case['id']}").get_json()
    assert seen["status"] == "accepted"
    assert seen["received_at"] is not None and seen["received_at"].endswith("+08:00")

    timeline = jinniu.get(f"/cases/{case['id']}/timeline").get_json()
    assert [(e["action"], e["to_status"]) for e in timeline] == [
        ("file", "requested"),
        ("receive", "received"),
        ("accept", "accepted"),
    ]
    assert timeline[2]["office"] == "shifang" and timeline[2]["actor"] == "shifang-clerk"

    done = shifang.act(case["id"], "complete")
    assert done.get_json()["status"] == "completed"
    wait_for(lambda: ("case.completed", case["id"]) in inbox_events(jinniu), message="completion")


def test_returned_request_is_corrected_and_resubmitted(api, worker):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file(title="材料不全的请求").get_json()

    no_reason = shifang.act(case["id"], "return")
    assert no_reason.status_code == 422
    assert no_reason.get_json()["errors"][0]["field"] == "reason"

    returned = shifang.act(case["id"], "return", reason="缺少参保人身份证明")
    assert returned.get_json()["status"] == "returned"
    wait_for(lambda: ("case.returned", case["id"]) in inbox_events(jinniu), message="the return")

    again = jinniu.act(
        case["id"], "resubmit", title="材料已补齐的请求", description="已补充身份证明。"
    )
    assert again.get_json()["status"] == "requested"
    assert again.get_json()["title"] == "材料已补齐的请求"
    wait_for(
        lambda: ("case.resubmitted", case["id"]) in inbox_events(shifang),
        message="the resubmission",
    )

    timeline = jinniu.get(f"/cases/{case['id']}/timeline").get_json()
    assert timeline[1]["note"] == "缺少参保人身份证明"


def test_rejection_needs_a_reason_and_reaches_the_filer(api, worker):
    pengzhou, shifang = api("pengzhou-clerk"), api("shifang-investigator")
    case = pengzhou.file().get_json()
    rejected = shifang.act(case["id"], "reject", reason="不属于本局管辖")
    assert rejected.get_json()["status"] == "rejected"
    wait_for(
        lambda: ("case.rejected", case["id"]) in inbox_events(pengzhou), message="the rejection"
    )
    # a final case takes no more actions
    assert shifang.act(case["id"], "accept").status_code == 409


def test_filer_cancels_before_acceptance_but_not_after(api, worker):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    first = jinniu.file(title="撤回的请求").get_json()
    cancelled = jinniu.act(first["id"], "cancel", reason="重复提交")
    assert cancelled.get_json()["status"] == "cancelled"
    wait_for(
        lambda: ("case.cancelled", first["id"]) in inbox_events(shifang), message="the cancellation"
    )

    second = jinniu.file(title="已受理的请求").get_json()
    shifang.act(second["id"], "accept")
    late = jinniu.act(second["id"], "cancel", reason="重复提交")
    assert late.status_code == 409
    assert late.headers["Content-Type"] == "application/problem+json"


def test_only_the_receiving_office_may_accept(api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()
    response = jinniu.act(case["id"], "accept")
    assert response.status_code == 403
    assert "不能" in response.get_json()["detail"] or "无权" in response.get_json()["detail"]


def test_stale_if_match_gets_412_and_changes_nothing(api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file().get_json()
    stale = shifang.act(case["id"], "accept", if_match='"7"')
    assert stale.status_code == 412
    assert shifang.get(f"/cases/{case['id']}").get_json()["status"] == "received"


def test_same_idempotency_key_returns_the_first_case(api):
    jinniu = api("jinniu-clerk")
    first = jinniu.file(title="幂等请求", headers={"Idempotency-Key": "abc-1"})
    second = jinniu.file(title="幂等请求", headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    listed = jinniu.get("/cases").get_json()["items"]
    assert [c["title"] for c in listed].count("幂等请求") == 1

    other_body = jinniu.file(title="换了内容", headers={"Idempotency-Key": "abc-1"})
    assert other_body.status_code == 422
    assert other_body.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_case_numbers_count_per_filing_office(api):
    jinniu, pengzhou = api("jinniu-clerk"), api("pengzhou-clerk")
    numbers = [
        jinniu.file().get_json()["number"],
        jinniu.file().get_json()["number"],
        pengzhou.file().get_json()["number"],
    ]
    assert [n.split("-")[0] for n in numbers] == ["JN", "JN", "PZ"]
    assert [n.split("-")[2] for n in numbers] == ["000001", "000002", "000001"]


def test_case_list_filters_and_pages(api):
    jinniu = api("jinniu-clerk")
    ids = [jinniu.file(title=f"请求{i}").get_json()["id"] for i in range(5)]
    jinniu.act(ids[0], "cancel", reason="重复提交")
    page = jinniu.get("/cases?limit=2").get_json()
    assert [c["id"] for c in page["items"]] == [ids[4], ids[3]]
    rest = jinniu.get(f"/cases?limit=10&cursor={page['next_cursor']}").get_json()
    assert [c["id"] for c in rest["items"]] == [ids[2], ids[1], ids[0]]
    assert rest["next_cursor"] is None
    cancelled = jinniu.get("/cases?status=cancelled").get_json()["items"]
    assert [c["id"] for c in cancelled] == [ids[0]]
    found = jinniu.get("/cases?q=请求3").get_json()["items"]
    assert [c["id"] for c in found] == [ids[3]]


def test_every_step_leaves_an_audit_entry(app, api):
    from sqlmodel import select

    from service.audit.models import AuditEntry
    from service.db import get_db

    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file().get_json()
    shifang.get(f"/cases/{case['id']}")
    shifang.act(case["id"], "accept")
    with get_db(app).session() as db:
        actions = [
            a.action
            for a in db.exec(
                select(AuditEntry).where(AuditEntry.object_type == "case").order_by(AuditEntry.id)
            )
        ]
    assert actions == ["case.file", "case.receive", "case.accept"]
