"""Who gets e-mail: users opt in on their settings page; supervisors always get escalations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from service.accounts.models import User
from service.db import get_db
from service.notifications.models import Delivery, Notification
from tests.conftest import Api, AuthActions

pytestmark = pytest.mark.services


def test_a_user_opts_in_to_email_on_the_settings_page(client, auth, app):
    auth.login("pengzhou-clerk")
    page = client.get("/account").get_data(as_text=True)
    assert "我的设置" in page or "设置" in page
    bad = client.post("/account", data={"email": "not-an-address", "notify_by_email": "y"})
    assert bad.status_code == 422 and "name@example.cn" in bad.get_data(as_text=True)
    missing = client.post("/account", data={"email": "", "notify_by_email": "y"})
    assert missing.status_code == 422
    ok = client.post(
        "/account", data={"email": "clerk@pengzhou.example.cn", "notify_by_email": "y"}
    )
    assert ok.status_code == 302
    with get_db(app).session() as db:
        user = db.exec(select(User).where(User.username == "pengzhou-clerk")).one()
        assert (user.email, user.notify_by_email) == ("clerk@pengzhou.example.cn", True)


def test_escalations_are_mailed_to_the_supervisors_even_without_opting_in(own_database):
    from service.accounts import service as accounts
    from service.cases import flows
    from service.notifications import service as notifications
    from tests.integration.test_channels import SmtpSink, web_app
    from tests.integration.test_deadlines import set_due

    with SmtpSink() as sink:
        app = web_app(
            own_database.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": sink.port})
        )
        with app.app_context(), get_db(app).session() as db:
            boss = db.exec(select(User).where(User.username == "shifang-supervisor")).one()
            accounts.update_profile(
                db, user=boss, email="boss@shifang.example.cn", notify_by_email=False
            )
            clerk = db.exec(select(User).where(User.username == "shifang-clerk")).one()
            accounts.update_profile(
                db, user=clerk, email="clerk@shifang.example.cn", notify_by_email=False
            )
        case = Api(app, "jinniu-clerk").file(title="超期后上报").get_json()
        with app.app_context(), get_db(app).session() as db:
            # the request itself is not e-mailed: nobody at 什邡 opted in
            filed = db.exec(
                select(Delivery)
                .join(Notification)
                .where(Notification.case_id == case["id"], Notification.event == "case.requested")
            ).all()
            assert [d.channel for d in filed] == ["inbox"]
            set_due(app, case["id"], date(2026, 11, 20))
            assert flows.sweep_deadlines(db, today=date(2026, 11, 23))["escalation"] == 1
            mails = db.exec(
                select(Delivery)
                .join(Notification)
                .where(
                    Notification.case_id == case["id"],
                    Notification.event == "sla.escalation",
                    Delivery.channel == "email",
                )
            ).all()
            assert len(mails) == 1
            notifications.deliver(db, delivery_id=mails[0].id)
        ((recipients, message),) = sink.messages
        assert recipients == ["boss@shifang.example.cn"]
        assert "超期" in message["Subject"]


def test_settings_page_needs_a_login(client):
    assert client.get("/account").status_code == 302
    client2 = client
    AuthActions(client2).login("admin")
    assert client2.get("/account").status_code == 200
