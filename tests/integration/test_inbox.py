"""The office inbox: unread filter, read and acknowledge with who and when, pages."""

from __future__ import annotations

import pytest
from sqlmodel import select

from service.db import get_db
from service.notifications import service as notifications
from service.notifications.models import Delivery, Notification
from tests.conftest import AuthActions

pytestmark = pytest.mark.services


def deliver_all(app) -> None:
    """Nothing to wait for: the filing's own transaction put the item in the inbox, and a
    dispatch of that delivery (a worker's, the relay's) finds nothing left to do."""
    with get_db(app).session() as db:
        inbox = db.exec(select(Delivery).where(Delivery.channel == "inbox")).all()
        assert inbox and {d.status for d in inbox} == {"delivered"}
        assert all(d.attempts == 1 for d in inbox)
        assert notifications.deliver(db, delivery_id=inbox[-1].id) is False


def test_read_and_ack_record_who_and_when(app, api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-supervisor")
    case = jinniu.file(title="需要确认的请求").get_json()
    deliver_all(app)

    unread = shifang.get("/inbox?unread=true").get_json()["items"]
    assert [i["case_id"] for i in unread] == [case["id"]]
    item = unread[0]
    assert item["read_at"] is None and item["requires_ack"] is False
    assert item["title"].startswith("金牛发来协办请求")

    read = shifang.post(f"/inbox/{item['id']}/read").get_json()
    assert read["read_by"] == "shifang-supervisor" and read["read_at"].endswith("+08:00")
    assert shifang.get("/inbox?unread=true").get_json()["items"] == []

    acked = shifang.post(f"/inbox/{item['id']}/ack").get_json()
    assert acked["acknowledged_by"] == "shifang-supervisor"
    again = shifang.post(f"/inbox/{item['id']}/ack").get_json()
    assert again["acknowledged_at"] == acked["acknowledged_at"]  # the first acknowledgement stands

    # another office's item is not there for 金牛
    assert jinniu.post(f"/inbox/{item['id']}/read").status_code == 404


def test_inbox_pages_with_a_cursor(app, api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    ids = [jinniu.file(title=f"第{i}件").get_json()["id"] for i in range(3)]
    deliver_all(app)
    first = shifang.get("/inbox?limit=2").get_json()
    assert [i["case_id"] for i in first["items"]] == [ids[2], ids[1]]
    rest = shifang.get(f"/inbox?limit=2&cursor={first['next_cursor']}").get_json()
    assert [i["case_id"] for i in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    assert shifang.get("/inbox?limit=0").status_code == 422


def test_inbox_page_opens_the_case_and_marks_the_item_read(app, api):
    jinniu = api("jinniu-clerk")
    case = jinniu.file(title="从收件箱打开").get_json()
    deliver_all(app)
    with get_db(app).session() as db:
        from service.notifications.models import Notification

        item = db.exec(select(Notification).where(Notification.case_id == case["id"])).one()
    client = app.test_client()
    AuthActions(client).login("shifang-clerk")
    page = client.get("/inbox?unread=1").get_data(as_text=True)
    assert "从收件箱打开" in page
    opened = client.post(f"/inbox/{item.id}/open")
    assert opened.headers["Location"].endswith(f"/cases/{case['id']}")
    assert "从收件箱打开" not in client.get("/inbox?unread=1").get_data(as_text=True)
    assert client.post(f"/inbox/{item.id}/ack").status_code == 302
    assert client.post("/inbox/999999/open").status_code == 404
    assert client.post("/inbox/999999/ack").status_code == 404


def test_relay_redispatches_only_deliveries_overdue(app):
    from datetime import timedelta

    from service.db import utcnow

    # Written and relayed in one transaction, so no worker can deliver them in between.
    with app.app_context(), get_db(app).session() as db:

        def email_delivery(title: str) -> Delivery:
            item = notifications.enqueue(
                db, event="case.requested", recipient_office="shifang", title=title
            )
            delivery = Delivery(notification_id=item.id, channel="email")
            db.add(delivery)
            return delivery

        lost, fresh = email_delivery("两小时前的提醒"), email_delivery("刚写入的提醒")
        lost.next_attempt_at = utcnow() - timedelta(hours=2)  # its nudge never arrived
        db.add(lost)
        db.flush()
        relayed = notifications.relay_overdue(db, grace_seconds=3600)
        assert lost.id in relayed and fresh.id not in relayed


def test_health_endpoint_and_unknown_pages(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/no-such-page").status_code == 404
    problem = client.get("/api/v1/no-such")
    assert (
        problem.status_code == 404 and problem.headers["Content-Type"] == "application/problem+json"
    )
    wrong_method = client.put("/api/v1/cases")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Content-Type"] == "application/problem+json"


def test_language_switch_stays_on_this_site(client):
    response = client.get("/lang/en", headers={"Referer": "https://evil.example/"})
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]


# --------------------------------------------------------------------------- administrators


def escalation_to_sichuan(app) -> int:
    """An escalation to the Sichuan bureau, the office the demo administrator belongs to."""
    with app.app_context(), get_db(app).session() as db:
        item = notifications.enqueue(
            db,
            event="sla.escalation",
            recipient_office="sichuan",
            title="逾期升级：JN-2026-000001 受理已超期",
            body="成都市金牛区医疗保障局的受理步骤已超期 3 个工作日。",
            requires_ack=True,
        )
        db.commit()
        item_id = item.id
    deliver_all(app)
    return item_id


def test_the_administrator_has_no_inbox_and_acknowledges_nothing_over_the_api(app, api):
    item_id = escalation_to_sichuan(app)
    bureau = api("sichuan-supervisor")
    assert item_id in [i["id"] for i in bureau.get("/inbox").get_json()["items"]]

    admin = api("admin")
    listed = admin.get("/inbox")
    assert listed.status_code == 200 and listed.get_json() == {"items": [], "next_cursor": None}
    assert admin.get("/inbox?unread=true").get_json()["items"] == []
    assert admin.post(f"/inbox/{item_id}/read").status_code == 404
    assert admin.post(f"/inbox/{item_id}/ack").status_code == 404
    case = api("jinniu-clerk").file(title="管理员看不到的投递").get_json()
    assert admin.get(f"/deliveries?case_id={case['id']}").status_code == 404

    # The bureau's own item stays unread and waiting for the bureau's acknowledgement.
    item = next(i for i in bureau.get("/inbox").get_json()["items"] if i["id"] == item_id)
    assert item["read_at"] is None and item["acknowledged_at"] is None


def test_the_administrator_has_no_inbox_page_and_no_unread_count(app, client, auth):
    from flask import template_rendered

    item_id = escalation_to_sichuan(app)
    auth.login("admin")
    assert client.get("/inbox").status_code == 404
    assert client.post(f"/inbox/{item_id}/open").status_code == 404
    assert client.post(f"/inbox/{item_id}/ack").status_code == 404

    counts = []

    def record(sender, template, context, **extra):
        counts.append(context.get("unread_count"))

    with template_rendered.connected_to(record, app):
        assert client.get("/").status_code == 200
        assert client.get("/admin/channels").status_code == 200
    assert counts and set(counts) == {0}

    bureau = app.test_client()
    AuthActions(bureau).login("sichuan-supervisor")
    assert 'id="unread-count"' in bureau.get("/").get_data(as_text=True)
    with get_db(app).session() as db:
        item = db.get(Notification, item_id)
        assert item.read_at is None and item.acknowledged_at is None


def test_the_administrator_gets_no_e_mail_of_the_bureau_it_belongs_to(app):
    from service.accounts.models import User
    from service.notifications.channels import email_recipients

    with get_db(app).session() as db:
        users = db.exec(
            select(User).where(User.username.in_(["admin", "sichuan-supervisor"]))
        ).all()
        before = {u.id: (u.email, u.notify_by_email) for u in users}
        try:
            for user in users:
                user.email, user.notify_by_email = f"{user.username}@sichuan.example.cn", True
                db.add(user)
            db.commit()
            for event in ("sla.escalation", "case.requested"):
                assert email_recipients(db, "sichuan", event) == [
                    "sichuan-supervisor@sichuan.example.cn"
                ]
        finally:
            for user in users:
                user.email, user.notify_by_email = before[user.id]
                db.add(user)
            db.commit()
