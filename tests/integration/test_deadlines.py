"""Deadlines on real cases: clocks follow the status, lists show what is left or overdue,
the sweep reminds and escalates once a day, a supervisor extends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from service.cases import flows
from service.db import get_db
from service.notifications.models import Notification
from service.outbox import jobs
from service.outbox.models import Job
from service.sla import service as sla
from service.sla.models import CaseClock
from tests.conftest import AuthActions

pytestmark = pytest.mark.services


def clocks(app, case_id):
    with get_db(app).session() as db:
        return [
            (c.step, c.status, c.owing_office)
            for c in db.exec(
                select(CaseClock).where(CaseClock.case_id == case_id).order_by(CaseClock.id)
            )
        ]


def set_due(app, case_id, due: date):
    """Let time pass: move the running clock's due date (and so the case's)."""
    from service.cases.models import Case

    with get_db(app).session() as db:
        for clock in db.exec(
            select(CaseClock).where(CaseClock.case_id == case_id, CaseClock.status == "running")
        ):
            clock.due_on = due
            db.add(clock)
        case = db.get(Case, case_id)
        case.due_at = sla.end_of_day(due)
        db.add(case)
        db.commit()


def notifications_of(app, case_id, event):
    with get_db(app).session() as db:
        return [
            n.recipient_office
            for n in db.exec(
                select(Notification)
                .where(Notification.case_id == case_id, Notification.event == event)
                .order_by(Notification.id)
            )
        ]


def test_clocks_follow_the_request_through_its_statuses(app, api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case = jinniu.file().get_json()
    assert case["due_at"] is not None and case["due_at"].endswith("23:59:59+08:00")
    assert clocks(app, case["id"]) == [("answer", "running", "shifang")]

    shifang.act(case["id"], "return", reason="缺材料")
    assert clocks(app, case["id"]) == [("answer", "paused", "shifang")]
    assert shifang.get(f"/cases/{case['id']}").get_json()["due_at"] is None
    jinniu.act(case["id"], "resubmit")
    assert clocks(app, case["id"]) == [("answer", "running", "shifang")]

    shifang.act(case["id"], "accept")
    assert clocks(app, case["id"]) == [
        ("answer", "met", "shifang"),
        ("complete", "running", "shifang"),
    ]
    shifang.act(case["id"], "hold", reason="等待鉴定结果")
    assert clocks(app, case["id"])[1][1] == "paused"
    shifang.act(case["id"], "resume")
    shifang.act(case["id"], "complete")
    assert clocks(app, case["id"])[1][1] == "met"


def test_lists_show_days_left_and_overdue_and_sort_by_urgency(app, api, client, auth):
    jinniu = api("jinniu-clerk")
    calm = jinniu.file(title="不急的请求").get_json()
    late = jinniu.file(title="已超期的请求").get_json()
    set_due(app, late["id"], date.today() - timedelta(days=10))

    overdue = jinniu.get("/cases?overdue=true").get_json()["items"]
    assert [c["id"] for c in overdue] == [late["id"]]

    auth.login("jinniu-clerk")
    page = client.get("/cases?sort=urgency").get_data(as_text=True)
    assert page.index("已超期的请求") < page.index("不急的请求")
    assert "天" in page and "已超期" in page and "个工作日" in page
    detail = client.get(f"/cases/{calm['id']}").get_data(as_text=True)
    assert 'id="deadlines"' in detail and "个工作日" in detail


def test_sweep_reminds_then_escalates_once_a_day_and_never_on_rest_days(app, api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file().get_json()
    monday = date(2026, 11, 23)
    with get_db(app).session() as db, app.app_context():
        set_due(app, case["id"], date(2026, 11, 24))
        assert flows.sweep_deadlines(db, today=monday, window=2)["reminder"] == 1
        assert flows.sweep_deadlines(db, today=monday, window=2)["reminder"] == 0  # once a day
        assert notifications_of(app, case["id"], "sla.reminder") == ["shifang"]

        set_due(app, case["id"], date(2026, 11, 20))
        assert flows.sweep_deadlines(db, today=monday, window=2)["escalation"] == 1
        assert flows.sweep_deadlines(db, today=monday, window=2)["escalation"] == 0
        assert notifications_of(app, case["id"], "sla.escalation") == ["shifang", "deyang"]
        assert flows.sweep_deadlines(db, today=date(2026, 11, 28), window=2) == {
            "reminder": 0,
            "escalation": 0,
        }
        assert (
            flows.sweep_deadlines(db, today=date(2026, 11, 24), window=2)["escalation"] == 1
        )  # next working day
    timeline = jinniu.get(f"/cases/{case['id']}/timeline").get_json()
    assert [e["action"] for e in timeline].count("escalate") == 2


def test_extension_is_requested_with_a_reason_and_approved_by_a_supervisor(app, api):
    jinniu, clerk, boss = api("jinniu-clerk"), api("shifang-clerk"), api("shifang-supervisor")
    case = jinniu.file().get_json()
    before = case["due_at"]
    client = app.test_client()
    AuthActions(client).login("shifang-clerk")
    assert client.post(f"/cases/{case['id']}/extension", data={"reason": ""}).status_code == 302
    assert (
        client.post(f"/cases/{case['id']}/extension", data={"reason": "需调取外地档案"}).status_code
        == 302
    )
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "需调取外地档案" in page and "批准延期" not in page  # a clerk cannot approve

    with get_db(app).session() as db:
        from service.sla.models import ClockExtension

        extension = db.exec(select(ClockExtension)).one()
    boss_client = app.test_client()
    AuthActions(boss_client).login("shifang-supervisor")
    assert "批准延期" in boss_client.get(f"/cases/{case['id']}").get_data(as_text=True)
    boss_client.post(f"/cases/{case['id']}/extension/{extension.id}", data={"decision": "approve"})
    after = clerk.get(f"/cases/{case['id']}").get_json()["due_at"]
    assert after > before
    actions = [e["action"] for e in boss.get(f"/cases/{case['id']}/timeline").get_json()]
    assert "extension_request" in actions and "extension_approve" in actions
    # the filing office may not ask to extend the receiving office's deadline
    AuthActions(c := app.test_client()).login("jinniu-clerk")
    refused = c.post(f"/cases/{case['id']}/extension", data={"reason": "x"}, follow_redirects=True)
    assert "没有可延期的进行中期限" in refused.get_data(as_text=True)
    again = [e["action"] for e in boss.get(f"/cases/{case['id']}/timeline").get_json()]
    assert again.count("extension_request") == 1


def test_morning_digest_mails_each_office_its_new_due_soon_and_overdue_cases(own_database):
    from service.calendar import service as calendar
    from service.calendar.rules import is_working_day
    from service.notifications import service as notifications
    from service.notifications.models import Delivery
    from tests.conftest import Api
    from tests.integration.test_channels import SmtpSink, configure, web_app

    with SmtpSink() as sink:
        settings = own_database.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": sink.port}
        )
        app = web_app(settings)
        configure(app, "shifang", duty_email="duty@shifang.example.cn")
        case = Api(app, "jinniu-clerk").file(title="晨报里的新请求").get_json()
        with app.app_context(), get_db(app).session() as db:
            lookup = calendar.lookup(db)
            today = sla.local_today()
            while not is_working_day(today, lookup):
                today += timedelta(days=1)
            rest_day = today + timedelta(days=1)
            while is_working_day(rest_day, lookup):
                rest_day += timedelta(days=1)
            assert sla.send_digests(db, today=rest_day) == 0
            assert sla.send_digests(db, today=today) >= 1
            assert sla.send_digests(db, today=today) == 0  # once a day
            for job in db.exec(select(Job).where(Job.type == "digest")).all():
                assert jobs.attempt(db, job.id)  # what the worker does with each
            digests = db.exec(
                select(Delivery)
                .join(Notification)
                .where(Notification.event == "digest", Notification.recipient_office == "shifang")
            ).all()
            assert [d.channel for d in digests] == ["email"]  # e-mail only, not the inbox
            notifications.deliver(db, delivery_id=digests[0].id)
        ((recipients, message),) = [m for m in sink.messages if "每日办理提醒" in m[1]["Subject"]]
        assert recipients == ["duty@shifang.example.cn"]
        body = message.get_body(("plain",)).get_content()
        assert f"新收到：{case['number']} 晨报里的新请求" in body
        assert "即将到期 0 件，已超期 0 件" in body
        assert "每日" in body and "digest" not in body.replace("ntf-", "")


def test_an_extension_is_decided_by_the_approver_its_step_names(app):
    from dataclasses import replace

    from service.accounts.models import User
    from service.sla.rules import Approver

    rule = sla.rule_for("general", "complete")
    regional = replace(rule, extension_approval=Approver.regional_supervisor)
    with app.app_context(), get_db(app).session() as db:

        def user(name):
            return db.exec(select(User).where(User.username == name)).one()

        # by default a supervisor of the office that owes the step, and nobody else
        assert sla.may_decide(db, user("shifang-supervisor"), rule, "shifang")
        assert not sla.may_decide(db, user("shifang-clerk"), rule, "shifang")
        assert not sla.may_decide(db, user("jinniu-supervisor"), rule, "shifang")
        assert not sla.may_decide(db, user("deyang-supervisor"), rule, "shifang")
        # a step that needs the bureau: the bureau over the owing office, not the office itself
        assert sla.may_decide(db, user("deyang-supervisor"), regional, "shifang")
        assert sla.may_decide(db, user("sichuan-supervisor"), regional, "shifang")
        assert not sla.may_decide(db, user("chengdu-supervisor"), regional, "shifang")
        assert not sla.may_decide(db, user("shifang-supervisor"), regional, "shifang")
