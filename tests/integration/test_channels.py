"""E-mail and webhook channels against a real SMTP server, a real HTTP receiver, real Redis and
real worker processes: signed, retried with backoff, dead-lettered, retried by an admin, and
nothing lost or doubled when Redis goes away or a worker is killed mid-send.

Every test that runs a worker has its own PostgreSQL database and its own redis-server, so the
session's worker never sees its nudges (and delivers nothing of it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter

import pytest
from sqlmodel import select

from service.accounts.models import User
from service.audit.models import AuditEntry
from service.broker import DELIVER_TASK, make_celery
from service.db import get_db
from service.notifications import service as notifications
from service.notifications.models import Delivery, Notification
from tests.conftest import Api, AuthActions
from tests.receivers import SECRET, Hit, SmtpSink, WebhookReceiver, configure, deliver_now
from tests.support import RedisServer, Worker, wait_for

pytestmark = pytest.mark.services

# --------------------------------------------------------------------------- helpers


def web_app(settings):
    from service import create_app

    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def deliveries(app, case_id: int) -> dict[str, Delivery]:
    with get_db(app).session() as db:
        rows = db.exec(
            select(Delivery)
            .join(Notification, Notification.id == Delivery.notification_id)
            .where(Notification.case_id == case_id, Notification.event == "case.requested")
        ).all()
        return {d.channel: d for d in rows}


def event_of(app, case_id: int) -> str:
    with get_db(app).session() as db:
        notification = db.exec(
            select(Notification).where(
                Notification.case_id == case_id, Notification.event == "case.requested"
            )
        ).one()
        return f"ntf-{notification.id}"


def inbox_case_ids(api: Api) -> list[int]:
    return [i["case_id"] for i in api.get("/inbox?limit=100").get_json()["items"]]


# --------------------------------------------------------------------------- e-mail


def test_the_chinese_email_reaches_the_duty_address_and_the_users_who_opted_in(stack, tmp_path):
    with SmtpSink() as smtp:
        settings = stack.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
        app = web_app(settings)
        configure(app, "shifang", duty_email="duty@shifang.example.cn")
        with get_db(app).session() as db:
            for username, address, opted_in, active in [
                ("shifang-clerk", "clerk@shifang.example.cn", True, True),
                ("shifang-investigator", "investigator@shifang.example.cn", False, True),
                ("shifang-supervisor", "supervisor@shifang.example.cn", True, False),
                ("pengzhou-clerk", "clerk@pengzhou.example.cn", True, True),
            ]:
                user = db.exec(select(User).where(User.username == username)).one()
                user.email, user.notify_by_email, user.active = address, opted_in, active
                db.add(user)
            db.commit()
        worker = Worker(settings, log=tmp_path / "worker.log").start()
        try:
            case = Api(app, "jinniu-clerk").file(title="协助核实参保信息").get_json()
            wait_for(lambda: smtp.messages, message="the e-mail")
            rows = wait_for(
                lambda: (d := deliveries(app, case["id"]))["email"].status == "sent" and d,
                message="the e-mail delivery to be recorded",
            )
        finally:
            worker.stop()

    assert set(rows) == {"inbox", "email"}  # no webhook endpoint: no webhook delivery
    assert rows["email"].attempts == 1 and rows["email"].delivered_at is not None
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert sorted(recipients) == ["clerk@shifang.example.cn", "duty@shifang.example.cn"]
    number = case["number"]
    assert message["Subject"] == f"【跨区域协作】金牛发来协办请求：{number} 协助核实参保信息"
    assert message["X-Referral-Event-Id"] == event_of(app, case["id"])
    text = message.get_body(("plain",)).get_content()
    assert "什邡市医疗保障局" in text and "成都市金牛区医疗保障局" in text
    assert f"案件编号：{number}" in text and "请协助核实。" in text
    assert f"{settings.base_url}/cases/{case['id']}" in text
    html = message.get_body(("html",)).get_content()
    assert "<table" in html and number in html and "打开案件" in html


# --------------------------------------------------------------------------- webhooks


def test_a_webhook_failing_twice_is_retried_with_backoff_and_accepted_once(stack, tmp_path):
    # 503 for the first two attempts, 200 for the third.
    with WebhookReceiver(answer=lambda hit, n: 200 if n >= 3 else 503) as receiver:
        app = web_app(stack)
        configure(app, "shifang", webhook_url=receiver.url)
        worker = Worker(stack, beat=True, log=tmp_path / "worker.log").start()
        try:
            jinniu = Api(app, "jinniu-clerk")
            case = jinniu.file(title="需要推送的请求").get_json()
            event = event_of(app, case["id"])
            wait_for(lambda: receiver.accepted()[event], timeout=30, message="accepted")
            time.sleep(2.5)  # more relay rounds must not send it again
            row = deliveries(app, case["id"])["webhook"]
        finally:
            worker.stop()

    assert receiver.accepted() == Counter({event: 1})
    assert [h.attempt for h in receiver.hits] == [1, 2, 3]
    assert all(h.signature_ok and h.event_id == event for h in receiver.hits)
    assert [h.payload for h in receiver.hits] == [receiver.hits[0].payload] * 3  # same body
    payload = receiver.hits[0].payload
    assert payload["event_id"] == event and payload["event"] == "case.requested"
    assert payload["case"]["number"] == case["number"] and payload["recipient_office"] == "shifang"
    assert row.status == "delivered" and row.attempts == 3 and row.last_error == ""

    # The filer sees its notification's deliveries; the receiver (which sent none) sees none.
    listed = jinniu.get(f"/deliveries?case_id={case['id']}").get_json()["items"]
    assert {(d["channel"], d["status"], d["attempts"], d["event_id"]) for d in listed} == {
        ("inbox", "delivered", 1, event),
        ("webhook", "delivered", 3, event),
    }
    assert Api(app, "shifang-clerk").get(f"/deliveries?case_id={case['id']}").get_json() == {
        "items": []
    }
    assert Api(app, "pengzhou-clerk").get(f"/deliveries?case_id={case['id']}").status_code == 404


def test_a_dead_lettered_webhook_is_retried_by_an_admin_with_the_same_event_id(stack, tmp_path):
    settings = stack.model_copy(update={"delivery_max_attempts": 3})
    accepting = threading.Event()
    answer = lambda hit, n: 200 if accepting.is_set() else 500  # noqa: E731
    with WebhookReceiver(answer=answer) as receiver:
        app = web_app(settings)
        admin_client = app.test_client()
        admin = AuthActions(admin_client)
        admin.login("admin")
        # The admin sets the endpoint on the channels page; a bad URL is refused with a reason.
        bad = admin_client.post(
            "/admin/channels/shifang", data={"webhook_url": "ftp://x", "webhook_secret": SECRET}
        )
        assert bad.status_code == 422 and "https://" in bad.get_data(as_text=True)
        saved = admin_client.post(
            "/admin/channels/shifang",
            data={"webhook_url": receiver.url, "webhook_secret": SECRET, "webhook_active": "y"},
        )
        assert saved.status_code == 302
        assert receiver.url in admin_client.get("/admin/channels").get_data(as_text=True)

        worker = Worker(settings, beat=True, log=tmp_path / "worker.log").start()
        try:
            case = Api(app, "jinniu-clerk").file(title="对方系统故障").get_json()
            event = event_of(app, case["id"])
            dead = wait_for(
                lambda: (d := deliveries(app, case["id"])["webhook"]).status == "dead" and d,
                timeout=30,
                message="the delivery to be dead-lettered",
            )
            time.sleep(2.5)  # dead means no more attempts, relay or not
            assert receiver.requests() == Counter({event: 3}) and dead.attempts == 3
            assert "HTTP 500" in dead.last_error

            page = admin_client.get("/admin/deliveries").get_data(as_text=True)
            assert f'data-delivery="{dead.id}" data-status="dead"' in page
            clerk = app.test_client()
            AuthActions(clerk).login("jinniu-clerk")
            assert clerk.get("/admin/deliveries").status_code == 404
            assert clerk.post(f"/admin/deliveries/{dead.id}/retry").status_code == 404

            accepting.set()
            assert admin_client.post(f"/admin/deliveries/{dead.id}/retry").status_code == 302
            wait_for(lambda: receiver.accepted()[event], timeout=30, message="the retry")
            row = wait_for(
                lambda: (d := deliveries(app, case["id"])["webhook"]).status == "delivered" and d,
                message="the retried delivery to be recorded",
            )
        finally:
            worker.stop()

    assert receiver.accepted() == Counter({event: 1})
    assert {h.event_id for h in receiver.hits} == {event}  # the same event id after the retry
    assert row.attempts == 1  # a fresh set of attempts
    assert f'data-delivery="{dead.id}"' not in admin_client.get("/admin/deliveries").get_data(
        as_text=True
    )
    with get_db(app).session() as db:
        audit = db.exec(select(AuditEntry).where(AuditEntry.action == "delivery.retry")).one()
    assert audit.object_id == str(dead.id) and audit.detail["previous_status"] == "dead"


# --------------------------------------------------------------------------- faults


def test_every_notification_arrives_once_on_every_channel_after_redis_was_down(
    stack, redis, tmp_path
):
    with SmtpSink() as smtp, WebhookReceiver() as receiver:
        settings = stack.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
        app = web_app(settings)
        for office in ("shifang", "pengzhou"):
            configure(app, office, duty_email=f"duty@{office}.example.cn", webhook_url=receiver.url)
        worker = Worker(settings, beat=True, log=tmp_path / "worker.log").start()
        restarted = None  # the redis-server started again after the outage: stopped below
        try:
            jinniu = Api(app, "jinniu-clerk")
            first = jinniu.file(to="shifang", title="宕机前").get_json()["id"]
            wait_for(lambda: receiver.accepted()[event_of(app, first)], message="first")

            redis.stop()
            cases = [first]
            for to in ("shifang", "pengzhou", "shifang"):
                started = time.monotonic()
                response = jinniu.file(to=to, title=f"Redis 宕机时发往{to}")
                assert response.status_code == 201 and time.monotonic() - started < 10
                cases.append(response.get_json()["id"])
            restarted = RedisServer(tmp_path, port=redis.port).start()

            events = [event_of(app, case_id) for case_id in cases]
            wait_for(
                lambda: (
                    all(receiver.accepted()[e] for e in events)
                    and all(smtp.by_event()[e] for e in events)
                ),
                timeout=60,
                message="every e-mail and webhook",
            )
            time.sleep(3)  # further relay rounds must add nothing
            rows = [deliveries(app, case_id) for case_id in cases]
        finally:
            worker.stop()
            if restarted is not None:
                restarted.stop()

    assert receiver.requests() == Counter({e: 1 for e in events})
    assert receiver.accepted() == Counter({e: 1 for e in events})
    assert smtp.by_event() == Counter({e: 1 for e in events})
    for by_channel in rows:
        assert {c: d.status for c, d in by_channel.items()} == {
            "inbox": "delivered",
            "email": "sent",
            "webhook": "delivered",
        }
    # Each case once in its office's inbox (besides the demo data's cases).
    ours = lambda user: Counter(c for c in inbox_case_ids(Api(app, user)) if c in cases)  # noqa: E731
    assert ours("shifang-clerk") == Counter({cases[0]: 1, cases[1]: 1, cases[3]: 1})
    assert ours("pengzhou-clerk") == Counter({cases[2]: 1})


def test_a_worker_killed_while_sending_a_webhook_is_retried_once_its_lease_expires(stack, tmp_path):
    first_arrived, worker_killed = threading.Event(), threading.Event()

    def answer(hit: Hit, n: int) -> int:
        if n == 1:  # hold the first attempt until its worker is dead
            first_arrived.set()
            worker_killed.wait(60)
            return 503
        return 200

    # Long enough for the successor to start and get a duplicate dispatch within the lease.
    stack = stack.model_copy(update={"delivery_lease_seconds": 20.0})
    with WebhookReceiver(answer=answer) as receiver:
        app = web_app(stack)
        configure(app, "shifang", webhook_url=receiver.url)
        doomed = Worker(stack, log=tmp_path / "doomed.log").start()
        successor = Worker(stack, beat=True, log=tmp_path / "successor.log")
        try:
            case = Api(app, "jinniu-clerk").file(title="投递中被杀").get_json()
            event = event_of(app, case["id"])
            assert first_arrived.wait(30), "the first attempt never reached the receiver"
            doomed.kill()  # SIGKILL, in the middle of the HTTP request
            worker_killed.set()
            held = deliveries(app, case["id"])["webhook"]
            assert held.status == "sending" and held.attempts == 1

            successor.start()
            # A dispatch during the lease does nothing: the attempt may still be under way.
            task_id = make_celery(stack).send_task(DELIVER_TASK, args=[held.id]).id
            done = f"{DELIVER_TASK}[{task_id}] succeeded".encode()
            wait_for(lambda: done in successor.log_path.read_bytes(), message="the duplicate")
            assert deliveries(app, case["id"])["webhook"].status == "sending"
            assert receiver.requests() == Counter({event: 1})

            wait_for(lambda: receiver.accepted()[event], timeout=60, message="the retry")
            row = wait_for(
                lambda: (d := deliveries(app, case["id"])["webhook"]).status == "delivered" and d,
                message="the retried delivery to be recorded",
            )
            time.sleep(2.5)
        finally:
            worker_killed.set()
            doomed.stop()
            successor.stop()

    assert receiver.requests() == Counter({event: 2})
    assert receiver.accepted() == Counter({event: 1})
    assert [h.attempt for h in receiver.hits] == [1, 2]
    assert row.attempts == 2 and row.last_error == ""
    assert inbox_case_ids(Api(app, "shifang-clerk")).count(case["id"]) == 1


# --------------------------------------------------------------------------- edge cases


def test_channels_follow_the_office_settings_when_written_and_when_sent(stack):
    app = web_app(stack)  # no worker: deliveries are run in this process
    jinniu = Api(app, "jinniu-clerk")
    configure(app, "shifang", webhook_url="https://shifang.example.cn/hook")
    configure(app, "pengzhou", webhook_url="https://pengzhou.example.cn/hook")
    with app.app_context(), get_db(app).session() as db:
        admin = db.exec(select(User).where(User.username == "admin")).one()
        notifications.set_office_channels(  # paused: no webhook for what is written now
            db,
            actor=admin,
            office_code="pengzhou",
            duty_email="",
            webhook_url="https://pengzhou.example.cn/hook",
            webhook_active=False,
        )
    paused = jinniu.file(to="pengzhou", title="暂停推送").get_json()["id"]
    assert set(deliveries(app, paused)) == {"inbox"}  # and no SMTP host: no e-mail either

    case = jinniu.file(to="shifang", title="推送地址被删除").get_json()["id"]
    webhook = deliveries(app, case)["webhook"]
    configure(app, "shifang")  # the endpoint is removed before the worker gets to it
    failure = deliver_now(app, webhook.id)
    assert isinstance(failure, notifications.DeliveryFailed) and failure.retry_in is None
    dead = deliveries(app, case)["webhook"]
    assert dead.status == "dead" and dead.attempts == 1 and "endpoint" in dead.last_error
    assert deliver_now(app, webhook.id) is False  # dead stays dead until an admin retries it
    assert deliveries(app, case)["inbox"].status == "delivered"  # with the filing itself


def test_a_worker_lost_during_the_last_attempt_dead_letters_the_delivery(stack):
    app = web_app(stack.model_copy(update={"delivery_max_attempts": 2}))
    configure(app, "shifang", webhook_url="https://shifang.example.cn/hook")
    case = Api(app, "jinniu-clerk").file(title="最后一次尝试中失联").get_json()["id"]
    with get_db(app).session() as db:  # as a worker killed mid-send leaves it, lease expired
        row = db.get(Delivery, deliveries(app, case)["webhook"].id)
        row.status, row.attempts = "sending", 2
        row.next_attempt_at = row.created_at
        db.add(row)
        db.commit()
    with app.app_context(), get_db(app).session() as db:
        assert row.id in notifications.relay_overdue(db, grace_seconds=0)
    assert deliver_now(app, row.id) is False
    dead = deliveries(app, case)["webhook"]
    assert dead.status == "dead" and dead.attempts == 2 and "lost" in dead.last_error


# --------------------------------------------------------------------------- receipts, pages


def test_the_filer_sees_per_notification_delivered_read_and_acknowledged(app, api, auth, client):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-supervisor")
    case = jinniu.file(title="回执测试").get_json()
    with app.app_context(), get_db(app).session() as db:
        for delivery in db.exec(select(Delivery).where(Delivery.status == "queued")).all():
            notifications.deliver(db, delivery_id=delivery.id)
    item = next(i for i in shifang.get("/inbox").get_json()["items"] if i["case_id"] == case["id"])

    auth.login("jinniu-clerk")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    section = page[page.index('id="receipts"') :]
    assert "什邡" in section and 'data-channel="inbox" data-status="delivered"' in section
    assert "尚未阅读" in section

    shifang.post(f"/inbox/{item['id']}/ack")  # acknowledging also reads it
    section = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    section = section[section.index('id="receipts"') :]
    receipt_read = section[section.index('class="receipt-read"') :]
    assert receipt_read.index("什邡负责人") < receipt_read.index("</td>")
    receipt_ack = section[section.index('class="receipt-ack"') :]
    assert receipt_ack.index("什邡负责人") < receipt_ack.index("</td>")

    assert section.count("data-notification=") == 1  # only what 金牛 sent

    # The receiving office sees the receipts of what it sent (opening the case told 金牛).
    other = app.test_client()
    AuthActions(other).login("shifang-clerk")
    theirs = other.get(f"/cases/{case['id']}").get_data(as_text=True)
    theirs = theirs[theirs.index('id="receipts"') :]
    assert theirs.count("data-notification=") == 1
    assert 'data-event="case.received" data-recipient="jinniu"' in theirs


def test_only_administrators_reach_the_channel_pages(app, client, auth):
    auth.login("jinniu-supervisor")
    for url in ("/admin/deliveries", "/admin/channels", "/admin/channels/shifang"):
        assert client.get(url).status_code == 404
    auth.logout()
    auth.login("admin")
    assert "失败的投递" in client.get("/").get_data(as_text=True)
    assert client.get("/admin/deliveries").status_code == 200
    assert client.get("/admin/channels/nowhere").status_code == 404
    short = client.post(
        "/admin/channels/pengzhou",
        data={"webhook_url": "https://pengzhou.example.cn/hook", "webhook_secret": "short"},
    )
    assert short.status_code == 422
    no_secret = client.post(
        "/admin/channels/pengzhou", data={"webhook_url": "https://pengzhou.example.cn/hook"}
    )
    assert no_secret.status_code == 422
    bad_email = client.post("/admin/channels/pengzhou", data={"duty_email": "not-an-address"})
    assert bad_email.status_code == 422


# --------------------------------------------------------------------------- addresses


INTERNAL_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://localhost:8080/hook",
    "http://2130706433/hook",  # 127.0.0.1 as one number
    "http://10.1.2.3/hook",
    "http://192.168.1.10/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0:8000/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fd00::1]/hook",
]


def test_webhook_endpoints_on_internal_addresses_are_refused_when_saved(app, client, auth):
    auth.login("admin")
    for url in INTERNAL_URLS:
        refused = client.post(
            "/admin/channels/pengzhou", data={"webhook_url": url, "webhook_secret": SECRET}
        )
        assert refused.status_code == 422, url
        page = refused.get_data(as_text=True)
        assert "推送地址不可指向" in page and "REFERRAL_WEBHOOK_ALLOWED_NETWORKS" in page, url
    assert "pengzhou" not in [c.office.code for c in channels_with_webhooks(app)]


def channels_with_webhooks(app):
    with app.app_context(), get_db(app).session() as db:
        admin = db.exec(select(User).where(User.username == "admin")).one()
        return [c for c in notifications.all_office_channels(db, actor=admin) if c.webhook]


def test_an_allowed_network_lets_its_addresses_be_saved_and_no_other(own_database):
    app = web_app(own_database.model_copy(update={"webhook_allowed_networks": "10.1.0.0/16"}))
    admin = app.test_client()
    AuthActions(admin).login("admin")
    allowed = admin.post(
        "/admin/channels/pengzhou",
        data={"webhook_url": "http://10.1.2.3/hook", "webhook_secret": SECRET},
    )
    assert allowed.status_code == 302
    for url in ("http://10.2.0.1/hook", "http://127.0.0.1/hook"):
        refused = admin.post(
            "/admin/channels/pengzhou", data={"webhook_url": url, "webhook_secret": SECRET}
        )
        assert refused.status_code == 422, url
    assert [c.webhook.url for c in channels_with_webhooks(app)] == ["http://10.1.2.3/hook"]


def test_a_webhook_to_an_address_no_longer_allowed_is_refused_when_sent(stack):
    with WebhookReceiver() as receiver:
        configure(web_app(stack), "shifang", webhook_url=receiver.url)  # allowed when saved
        app = web_app(stack.model_copy(update={"webhook_allowed_networks": ""}))
        case = Api(app, "jinniu-clerk").file(title="推送地址已不允许").get_json()["id"]
        failure = deliver_now(app, deliveries(app, case)["webhook"].id)
    assert isinstance(failure, notifications.DeliveryFailed) and failure.retry_in is None
    dead = deliveries(app, case)["webhook"]
    assert dead.status == "dead" and "127.0.0.1" in dead.last_error
    assert "REFERRAL_WEBHOOK_ALLOWED_NETWORKS" in dead.last_error
    assert receiver.hits == []  # nothing reached the machine's own network


@pytest.fixture
def partner_dns(monkeypatch):
    """The partner's host name, resolved to whatever the test says (its DNS, rebinding it)."""
    real = socket.getaddrinfo
    answer = {"address": "93.184.215.14"}

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "partner.example.cn":
            return real(answer["address"], port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answer


def test_the_host_name_is_checked_again_when_sent_so_dns_rebinding_reaches_nothing(
    stack, partner_dns
):
    with WebhookReceiver() as receiver:
        port = receiver.server.server_address[1]
        url = f"http://partner.example.cn:{port}/referral-events"
        public_only = web_app(stack.model_copy(update={"webhook_allowed_networks": ""}))
        configure(public_only, "shifang", webhook_url=url)  # a public address when saved
        partner_dns["address"] = "127.0.0.1"  # … and this machine once a webhook goes out
        case = Api(public_only, "jinniu-clerk").file(title="域名被重新解析").get_json()["id"]
        failure = deliver_now(public_only, deliveries(public_only, case)["webhook"].id)
        assert isinstance(failure, notifications.DeliveryFailed)
        assert "partner.example.cn resolves to 127.0.0.1" in failure.error
        assert receiver.hits == []

        # Where the network is allowed, the request goes to the address that was checked,
        # with the endpoint's own name as its Host.
        allowed = web_app(stack)
        case = Api(allowed, "jinniu-clerk").file(title="允许的内网推送").get_json()["id"]
        assert deliver_now(allowed, deliveries(allowed, case)["webhook"].id) is True
    assert [h.host for h in receiver.hits] == [f"partner.example.cn:{port}"]
    assert receiver.hits[0].signature_ok


def test_a_host_name_is_resolved_when_saved_and_refused_for_an_internal_address(
    own_database, partner_dns
):
    app = web_app(own_database)
    admin = app.test_client()
    AuthActions(admin).login("admin")
    endpoint = {"webhook_url": "https://partner.example.cn/hook", "webhook_secret": SECRET}
    partner_dns["address"] = "10.9.8.7"
    refused = admin.post("/admin/channels/pengzhou", data=endpoint)
    assert refused.status_code == 422 and "10.9.8.7" in refused.get_data(as_text=True)
    assert channels_with_webhooks(app) == []
    partner_dns["address"] = "93.184.215.14"
    assert admin.post("/admin/channels/pengzhou", data=endpoint).status_code == 302
    assert [c.webhook.url for c in channels_with_webhooks(app)] == [endpoint["webhook_url"]]
