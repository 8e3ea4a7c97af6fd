"""Nothing lost, nothing doubled: the outbox survives a dead broker and repeated dispatches."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from service.broker import DELIVER_TASK, make_celery
from service.db import get_db
from service.notifications.models import Delivery, Notification
from tests.receivers import WebhookReceiver, configure
from tests.support import RedisServer, Worker, free_port, wait_for

pytestmark = pytest.mark.services


def rows(app, model, **where):
    with get_db(app).session() as db:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(db.exec(query))


def test_filing_succeeds_while_the_broker_is_down_and_the_relay_delivers_later(
    own_database, tmp_path
):
    """The partner's inbox has the item the moment the filing commits, broker or not; the
    webhook waits in the outbox and the relay sends it, once, when the broker is back."""
    from service import create_app

    port = free_port()  # nothing listens here yet: the broker is "down"
    settings = own_database.model_copy(
        update={
            "broker_url": f"redis://127.0.0.1:{port}/0",
            "broker_publish_timeout_seconds": 0.5,
            "relay_interval_seconds": 1.0,
            "relay_grace_seconds": 1.0,
            "webhook_allowed_networks": "127.0.0.0/8",
        }
    )
    app = create_app(settings)
    app.config.update(TESTING=True)
    from tests.conftest import Api

    with WebhookReceiver() as receiver:
        configure(app, "shifang", webhook_url=receiver.url)
        jinniu, shifang = Api(app, "jinniu-clerk"), Api(app, "shifang-clerk")
        started = time.monotonic()
        filed = jinniu.file(title="经纪人宕机时提交")
        assert filed.status_code == 201
        assert time.monotonic() - started < 10  # the request does not hang on the dead broker
        case_id = filed.get_json()["id"]
        notification = rows(app, Notification, case_id=case_id)[0]
        by_channel = {
            d.channel: d.status for d in rows(app, Delivery, notification_id=notification.id)
        }
        assert by_channel == {"inbox": "delivered", "webhook": "queued"}
        inbox = [i["case_id"] for i in shifang.get("/inbox").get_json()["items"]]
        assert inbox.count(case_id) == 1

        redis = RedisServer(tmp_path, port=port).start()
        worker = Worker(settings, beat=True, log=tmp_path / "worker.log")
        try:
            worker.start()
            event = f"ntf-{notification.id}"
            wait_for(lambda: receiver.accepted()[event], timeout=30, message="the relay")
            time.sleep(3)  # a few more relay rounds must not add a second copy
            assert receiver.accepted()[event] == 1
            webhook = rows(app, Delivery, notification_id=notification.id, channel="webhook")
            assert webhook[0].status == "delivered" and webhook[0].attempts == 1
            inbox = [i["case_id"] for i in shifang.get("/inbox").get_json()["items"]]
            assert inbox.count(case_id) == 1
        finally:
            worker.stop()
            redis.stop()


def test_dispatching_the_same_notification_twice_makes_one_inbox_item(
    app, api, worker, pg_database
):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    case_id = jinniu.file(title="重复投递").get_json()["id"]
    wait_for(lambda: shifang.get("/inbox").get_json()["items"], message="first delivery")
    notification = rows(app, Notification, case_id=case_id)[0]
    delivery = rows(app, Delivery, notification_id=notification.id)[0]
    delivered_at = notification.delivered_at

    celery = make_celery(pg_database)
    sent = [celery.send_task(DELIVER_TASK, args=[delivery.id]).id for _ in range(2)]
    for task_id in sent:
        done = f"{DELIVER_TASK}[{task_id}] succeeded".encode()
        wait_for(lambda d=done: d in worker.log_path.read_bytes(), message="the worker to run both")

    items = [i for i in shifang.get("/inbox").get_json()["items"] if i["case_id"] == case_id]
    assert len(items) == 1
    again = rows(app, Notification, case_id=case_id)[0]
    assert again.delivered_at == delivered_at
    assert rows(app, Delivery, notification_id=notification.id)[0].attempts == 1


def test_a_rolled_back_change_sends_nothing(app, api):
    """A failed filing leaves no outbox row and no nudge behind."""
    jinniu = api("jinniu-clerk")
    response = jinniu.file(to="nowhere")
    assert response.status_code == 422
    assert rows(app, Notification) == []


def test_a_broker_known_down_is_not_tried_again_for_every_filing(own_database, caplog):
    """One failed nudge closes the gate: the next filings skip nudging (the relay re-queues
    their deliveries) instead of each waiting for its own broker timeout."""
    from service import create_app

    settings = own_database.model_copy(
        update={
            "broker_url": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "broker_publish_timeout_seconds": 0.5,
            "broker_pause_seconds": 60.0,
            "smtp_host": "127.0.0.1",  # each filing has an e-mail to nudge
        }
    )
    app = create_app(settings)
    app.config.update(TESTING=True)
    from tests.conftest import Api

    configure(app, "shifang", duty_email="duty@shifang.example.cn")
    jinniu = Api(app, "jinniu-clerk")

    def queued() -> int:
        with get_db(app).session() as db:
            return len(db.exec(select(Delivery).where(Delivery.status == "queued")).all())

    before = queued()
    with caplog.at_level("INFO", logger="service.broker"):
        for n in range(5):
            assert jinniu.file(title=f"经纪人宕机时提交 {n}").status_code == 201
    tried = [r for r in caplog.records if "not sent" in r.getMessage()]
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(tried) == 1 and len(skipped) == 4
    assert queued() == before + 5  # every delivery waits for the relay, none lost


def test_the_relay_adds_no_copies_while_messages_still_wait_in_the_queue(own_database, caplog):
    """A worker that is behind is not a lost nudge: with messages waiting in the broker, the
    relay re-queues nothing and says why; once the queue is empty it re-queues each overdue
    delivery once per grace period and says how many and for what reason. (A database of its
    own: no running worker's relay races this one.)"""
    from datetime import timedelta

    from service import create_app
    from service.db import utcnow
    from service.notifications import service as notifications
    from tests.conftest import Api

    app = create_app(own_database)
    app.config.update(TESTING=True)
    case_id = Api(app, "jinniu-clerk").file(title="迟迟未送达").get_json()["id"]
    with app.app_context(), get_db(app).session() as db:
        notification = db.exec(select(Notification).where(Notification.case_id == case_id)).one()
        delivery = db.exec(
            select(Delivery).where(Delivery.notification_id == notification.id)
        ).one()
        # every other pending delivery (the demo data's) is not overdue: only ours is
        for other in db.exec(select(Delivery).where(Delivery.id != delivery.id)).all():
            other.next_attempt_at = utcnow()
            db.add(other)
        delivery.status, delivery.attempts = "queued", 0
        delivery.next_attempt_at = utcnow() - timedelta(minutes=5)
        db.add(delivery)
        db.commit()
        with caplog.at_level("INFO", logger="service.outbox.engine"):
            assert notifications.relay_overdue(db, grace_seconds=60, backlog=12) == []
            assert notifications.relay_overdue(db, grace_seconds=60, backlog=None) == []
            assert notifications.relay_overdue(db, grace_seconds=60, backlog=0) == [delivery.id]
            # re-queued just now: not again within the grace period
            assert notifications.relay_overdue(db, grace_seconds=60, backlog=0) == []
    said = [r.getMessage() for r in caplog.records]
    assert "12 messages still wait in the queues" in said[0]
    assert "the broker is not reachable" in said[1]
    assert said[2] == "relay: deliveries: 1 re-queued (1 never attempted)"
