"""The outbox engine under slow partners and for every job: the inbox never waits on an
external channel, a webhook attempt ends within its bound however the receiver behaves, and a
job is written once per key, run once, retried and dead-lettered like a delivery.

Tests with a worker have their own PostgreSQL database and redis-server (``stack``)."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlmodel import select

from service.db import get_db
from service.notifications import service as notifications
from service.notifications.models import Delivery, Notification
from service.outbox import engine, jobs
from service.outbox.models import Job
from tests.conftest import Api
from tests.receivers import SmtpSink, WebhookReceiver, configure, deliver_now
from tests.support import Worker, wait_for

pytestmark = pytest.mark.services


def web_app(settings):
    from service import create_app

    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def webhooks(app, case_ids: list[int]) -> dict[int, Delivery]:
    with get_db(app).session() as db:
        rows = db.exec(
            select(Notification.case_id, Delivery)
            .join(Notification, Notification.id == Delivery.notification_id)
            .where(Notification.case_id.in_(case_ids), Delivery.channel == "webhook")
        ).all()
        return dict(rows)


def test_a_partner_webhook_that_does_not_answer_delays_no_inbox_item(stack, tmp_path):
    """With the partner's system not answering in time, every filing is in the partner's
    inbox when it commits; each webhook attempt gives up at the bound and is retried; once the
    partner answers again every webhook arrives, and nothing was lost or doubled."""
    settings = stack.model_copy(update={"webhook_timeout_seconds": 1.0})
    with WebhookReceiver(delay=5.0) as receiver:
        app = web_app(settings)
        configure(app, "shifang", webhook_url=receiver.url)
        worker = Worker(settings, beat=True, log=tmp_path / "worker.log").start()
        try:
            jinniu, shifang = Api(app, "jinniu-clerk"), Api(app, "shifang-clerk")
            cases = []
            for n in range(12):
                case_id = jinniu.file(title=f"对方系统无应答 {n}").get_json()["id"]
                inbox = [i["case_id"] for i in shifang.get("/inbox?limit=100").get_json()["items"]]
                assert case_id in inbox  # already there: nothing waited for the webhook
                cases.append(case_id)
            wait_for(
                lambda: sum(d.attempts for d in webhooks(app, cases).values()) >= 3,
                timeout=60,
                message="webhook attempts to time out",
            )
            receiver.delay = 0.0  # the partner's system answers again
            delivered = wait_for(
                lambda: (
                    (rows := webhooks(app, cases))
                    and all(d.status == "delivered" for d in rows.values())
                    and rows
                ),
                timeout=90,
                message="every webhook once the partner answers",
            )
        finally:
            worker.stop()
        inbox = [i["case_id"] for i in shifang.get("/inbox?limit=100").get_json()["items"]]

    assert Counter(c for c in inbox if c in cases) == Counter({c: 1 for c in cases})
    assert set(delivered) == set(cases)
    log = worker.log_path.read_text(errors="replace")
    assert "the attempt took longer than 1 s as a whole" in log
    events = {f"ntf-{d.notification_id}": d for d in delivered.values()}
    # at least once, with one event id per notification: never more requests than attempts
    assert set(receiver.requests()) == set(events)
    for event, count in receiver.requests().items():
        assert count <= events[event].attempts


def test_a_webhook_that_stalls_mid_response_ends_within_the_bound(stack):
    """The receiver sends its status line and headers, then nothing: the attempt ends at
    ``webhook_timeout_seconds`` as a whole (far inside the lease), is recorded as failed, and the
    next attempt delivers the same event."""
    settings = stack.model_copy(update={"webhook_timeout_seconds": 1.5})
    with WebhookReceiver(stall=30.0) as receiver:
        app = web_app(settings)
        configure(app, "shifang", webhook_url=receiver.url)
        case_id = Api(app, "jinniu-clerk").file(title="对方响应到一半停住").get_json()["id"]
        delivery = webhooks(app, [case_id])[case_id]
        started = time.monotonic()
        failure = deliver_now(app, delivery.id)
        took = time.monotonic() - started
        assert isinstance(failure, notifications.DeliveryFailed)
        assert "as a whole" in failure.error and failure.retry_in is not None
        # The bound, not the 30 s stall: the lease (10 s) was never at risk.
        assert took < settings.delivery_lease_seconds / 2
        row = webhooks(app, [case_id])[case_id]
        assert row.status == "failed" and row.attempts == 1

        receiver.stall = 0.0
        time.sleep(failure.retry_in)
        assert deliver_now(app, delivery.id) is True
    event = f"ntf-{delivery.notification_id}"
    assert receiver.requests() == Counter({event: 2})
    assert [h.attempt for h in receiver.hits] == [1, 2]
    assert webhooks(app, [case_id])[case_id].status == "delivered"


# --------------------------------------------------------------------------- jobs

WRITTEN: list[dict] = []


@jobs.job_type("test.record")
def record(session, payload: dict) -> None:
    """A job type of the tests: writes an audit entry (a row) and remembers the payload."""
    from service.audit import service as audit

    if payload.get("fail"):
        session.add(Notification(event="x", recipient_office="shifang", title="half-written"))
        session.flush()
        raise RuntimeError(payload["fail"])
    audit.record(session, action="test.record", object_type="job", object_id=payload["n"])
    WRITTEN.append(payload)


def test_a_job_is_written_once_per_key_and_run_once(stack):
    # The test's own database and broker: no worker of another test can take its jobs.
    app = web_app(stack)
    WRITTEN.clear()
    with app.app_context(), get_db(app).session() as db:
        first = jobs.enqueue(db, "test.record", key="record:1", payload={"n": 1})
        assert jobs.enqueue(db, "test.record", key="record:1", payload={"n": 2}) is None
        db.commit()
        assert first.status == "queued"
        assert jobs.attempt(db, first.id) is True
        assert jobs.attempt(db, first.id) is False  # done: a second dispatch does nothing
        job = db.get(Job, first.id)
        assert job.status == "done" and job.attempts == 1 and job.done_at is not None
        assert jobs.enqueue(db, "test.record", key="record:1") is None  # done stays done
        with pytest.raises(ValueError, match="no handler"):
            jobs.enqueue(db, "test.unknown", key="unknown:1")
    assert WRITTEN == [{"n": 1}]


def test_a_failing_job_leaves_nothing_half_written_and_is_dead_lettered(stack):
    app = web_app(stack)
    settings = app.config["REFERRAL"]
    with app.app_context(), get_db(app).session() as db:
        job = jobs.enqueue(db, "test.record", key="record:fail", payload={"fail": "no office"})
        db.commit()
        waits = []
        for attempt in range(1, settings.delivery_max_attempts + 1):
            db.get(Job, job.id).next_attempt_at = db.get(Job, job.id).created_at  # due now
            db.commit()
            with pytest.raises(engine.AttemptFailed) as failed:
                jobs.attempt(db, job.id)
            assert failed.value.attempt == attempt and "no office" in failed.value.error
            waits.append(failed.value.retry_in)
        row = db.get(Job, job.id)
        db.refresh(row)
        assert row.status == "dead" and row.attempts == settings.delivery_max_attempts
        assert "RuntimeError: no office" in row.last_error
        assert waits[-1] is None and all(w is not None for w in waits[:-1])
        # the handler's half-written row went with its attempt
        assert db.exec(select(Notification).where(Notification.title == "half-written")).all() == []


def test_a_job_without_a_handler_is_dead_lettered_at_once(stack):
    app = web_app(stack)
    with app.app_context(), get_db(app).session() as db:
        job = Job(type="test.gone", key="gone:1", payload={})
        db.add(job)
        db.commit()
        with pytest.raises(engine.AttemptFailed) as failed:
            jobs.attempt(db, job.id)
        assert failed.value.retry_in is None
        db.refresh(job)
        assert job.status == "dead" and "no handler" in job.last_error


def test_the_morning_digest_is_one_job_per_office_and_day_run_by_the_worker(stack, tmp_path):
    """Beat may fire twice (or a worker die): the offices still get one digest each."""
    from service.sla import service as sla

    with SmtpSink() as smtp:
        settings = stack.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
        app = web_app(settings)
        for office in ("jinniu", "pengzhou", "shifang"):
            configure(app, office, duty_email=f"duty@{office}.example.cn")
        Api(app, "jinniu-clerk").file(to="pengzhou", title="晨报")
        Api(app, "pengzhou-clerk").file(to="shifang", title="晨报")
        with app.app_context(), get_db(app).session() as db:
            from service.calendar import service as calendar
            from service.calendar.rules import is_working_day

            lookup, today = calendar.lookup(db), sla.local_today()
            while not is_working_day(today, lookup):
                today = today.fromordinal(today.toordinal() + 1)
            assert sla.send_digests(db, today=today) == 3
            assert sla.send_digests(db, today=today) == 0  # beat fired twice
        worker = Worker(settings, log=tmp_path / "worker.log").start()
        try:
            with get_db(app).session() as db:

                def digest_mails() -> list[Delivery] | None:
                    db.rollback()  # a fresh snapshot each time
                    if {j.status for j in db.exec(select(Job)).all()} != {"done"}:
                        return None
                    rows = db.exec(
                        select(Delivery).join(Notification).where(Notification.event == "digest")
                    ).all()
                    return rows if all(d.status == "sent" for d in rows) else None

                mails = wait_for(digest_mails, message="every digest job done and sent")
            time.sleep(1.5)  # a late copy would arrive now
        finally:
            worker.stop()
    digests = Counter(
        address for rcpt, m in smtp.messages if "每日办理提醒" in m["Subject"] for address in rcpt
    )
    # one each, at least for the offices that received a request today
    assert sum(digests.values()) == len(mails) and set(digests.values()) == {1}
    assert {"duty@pengzhou.example.cn", "duty@shifang.example.cn"} <= set(digests)
