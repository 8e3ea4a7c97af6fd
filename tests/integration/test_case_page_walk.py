"""What a new user met on the case pages: every action that needs a reason offers the box,
a refused post says why, roles see only what they may do, the filer hears of every step,
the counters lead somewhere, a withdrawal asks first, and a resubmission keeps the old text."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from service.db import get_db
from service.notifications.models import Notification
from tests.conftest import AuthActions

pytestmark = pytest.mark.services


def text(response) -> str:
    return response.get_data(as_text=True)


def browser(app, username):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def accepted_case(api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file(title="协助核实待遇").get_json()
    shifang.act(case["id"], "accept")
    return case


def notifications_to(app, office, case_id):
    with get_db(app).session() as db:
        return {
            n.event: n.title
            for n in db.exec(
                select(Notification).where(
                    Notification.recipient_office == office, Notification.case_id == case_id
                )
            )
        }


def test_suspending_work_offers_the_reason_box_and_says_why_it_was_refused(app, api):
    case = accepted_case(api)
    shifang = browser(app, "shifang-clerk")
    page = text(shifang.get(f"/cases/{case['id']}"))
    assert 'data-action="hold"' in page
    assert 'name="reason"' in page  # offered although neither reject nor return is possible
    refused = shifang.post(f"/cases/{case['id']}/act", data={"action": "hold", "reason": ""})
    assert refused.status_code == 422
    assert "此操作须填写理由。" in text(refused)
    assert 'class="error" data-field="reason"' in text(refused)
    held = shifang.post(
        f"/cases/{case['id']}/act", data={"action": "hold", "reason": "等待鉴定结论"}
    )
    assert held.status_code == 302
    page = text(shifang.get(f"/cases/{case['id']}"))
    assert "中止办理" in page and "等待鉴定结论" in page


def test_a_stale_post_is_refused_with_the_reason_on_the_page(app, api):
    case = accepted_case(api)
    shifang = browser(app, "shifang-clerk")
    stale = shifang.post(
        f"/cases/{case['id']}/act", data={"action": "start", "version": str(case["version"])}
    )
    assert stale.status_code == 412
    assert 'class="flash flash-error"' in text(stale)
    assert "重新加载" in text(stale) or "刷新" in text(stale)


def test_the_action_and_the_status_it_leads_to_use_one_term(app):
    from flask_babel import force_locale

    from service import labels

    with app.test_request_context(), force_locale("zh_CN"):
        action, status = str(labels.ACTION["hold"]), str(labels.STATUS["on_hold"])
    assert action == "中止办理"
    assert "中止办理" in status and "暂缓" not in status


@pytest.mark.parametrize("username", ["admin", "chengdu-supervisor", "sichuan-supervisor"])
def test_roles_that_may_not_file_are_not_offered_the_form(app, username):
    client = browser(app, username)
    assert 'id="new-request-link"' not in text(client.get("/cases"))
    assert client.get("/cases/new").status_code == 404
    assert client.get("/cases/new/general").status_code == 404
    refused = client.post("/cases/new/general", data={"receiving_office": "jinniu", "title": "x"})
    assert refused.status_code == 404


def test_a_clerk_is_offered_the_form_of_each_kind_it_may_file(app):
    client = browser(app, "jinniu-clerk")
    assert 'id="new-request-link"' in text(client.get("/"))
    chooser = text(client.get("/cases/new"))
    assert 'href="/cases/new/general"' in chooser
    assert client.get("/cases/new/nonsense").status_code == 404


def test_the_filer_hears_when_work_starts_and_when_a_deadline_is_extended(app, api):
    case = accepted_case(api)
    api("shifang-clerk").act(case["id"], "start")
    clerk = browser(app, "shifang-clerk")
    asked = clerk.post(f"/cases/{case['id']}/extension", data={"reason": "需调取外地档案"})
    assert asked.status_code == 302
    supervisor = browser(app, "shifang-supervisor")
    page = text(supervisor.get(f"/cases/{case['id']}"))
    extension_id = re.search(rf"/cases/{case['id']}/extension/(\d+)", page).group(1)
    decided = supervisor.post(
        f"/cases/{case['id']}/extension/{extension_id}", data={"decision": "approve"}
    )
    assert decided.status_code == 302
    told = notifications_to(app, "jinniu", case["id"])
    assert "什邡" in told["case.started"] and case["number"] in told["case.started"]
    assert "sla.extension_granted" in told
    assert "延长" in told["sla.extension_granted"] or "延期" in told["sla.extension_granted"]


def test_the_waiting_counter_leads_to_the_cases_waiting_for_the_office(app, api):
    jinniu = api("jinniu-clerk")
    waiting = jinniu.file(title="等待什邡答复").get_json()
    other = jinniu.file(title="已受理的请求").get_json()
    api("shifang-clerk").act(other["id"], "accept")
    client = browser(app, "shifang-clerk")
    home = text(client.get("/"))
    link = re.search(r'<a class="stat" href="([^"]+)" id="waiting-link">', home).group(1)
    assert "waiting=1" in link
    listed = text(client.get(link.replace("&amp;", "&")))
    assert waiting["number"] in listed
    assert other["number"] in listed  # accepted: shifang owes its completion
    assert "已受理的请求" in listed
    filer_view = text(browser(app, "jinniu-clerk").get(link.replace("&amp;", "&")))
    assert waiting["number"] not in filer_view  # the filer is not the one to move


def test_withdrawing_asks_for_confirmation_and_a_reason(app, api):
    case = api("jinniu-clerk").file(title="准备撤回").get_json()
    client = browser(app, "jinniu-clerk")
    page = text(client.get(f"/cases/{case['id']}"))
    button = re.search(r'<button[^>]*data-action="cancel"[^>]*>', page).group(0)
    assert "data-confirm=" in button and "data-needs-reason" in button
    refused = client.post(f"/cases/{case['id']}/act", data={"action": "cancel"})
    assert refused.status_code == 422
    assert api("jinniu-clerk").get(f"/cases/{case['id']}").get_json()["status"] == "requested"
    done = client.post(f"/cases/{case['id']}/act", data={"action": "cancel", "reason": "重复"})
    assert done.status_code == 302
    assert api("jinniu-clerk").get(f"/cases/{case['id']}").get_json()["status"] == "cancelled"


def test_a_resubmission_keeps_the_text_it_replaced_in_the_timeline(app, api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file(title="核实参保信息").get_json()
    shifang.act(case["id"], "return", reason="请补充身份证号")
    client = browser(app, "jinniu-clerk")
    posted = client.post(
        f"/cases/{case['id']}/act",
        data={
            "action": "resubmit",
            "title": "核实参保信息（已补正）",
            "description": "已补充：身份证号见附件。",
        },
    )
    assert posted.status_code == 302
    timeline = jinniu.get(f"/cases/{case['id']}/timeline").get_json()
    resubmit = next(e for e in timeline if e["action"] == "resubmit")
    assert resubmit["previous"] == {"title": "核实参保信息", "description": "请协助核实。"}
    page = text(client.get(f"/cases/{case['id']}"))
    assert 'data-previous="description"' in page and "请协助核实。" in page
    # a resubmission that changes nothing records nothing to compare
    shifang.act(case["id"], "return", reason="仍缺材料")
    again = jinniu.act(case["id"], "resubmit")
    assert again.status_code == 200
    last = jinniu.get(f"/cases/{case['id']}/timeline").get_json()[-1]
    assert last["action"] == "resubmit" and last["previous"] is None
