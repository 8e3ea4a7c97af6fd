"""Receivers of the partner offices' channels, real ones on free ports: an SMTP server and a
webhook endpoint whose answers (status, delay, a stall mid-response) a test decides."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from sqlmodel import select

from service.accounts.models import User
from service.db import get_db
from service.notifications import service as notifications
from service.notifications.rules import signature_valid
from tests.support import free_port

SECRET = "shifang-webhook-secret-2026"


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def by_event(self) -> Counter:
        return Counter(m["X-Referral-Event-Id"] for _, m in self.messages)


@dataclass
class Hit:
    event_id: str
    attempt: int
    signature_ok: bool
    payload: dict
    status: int = 0
    host: str = ""
    received_at: float = field(default_factory=time.time)


@dataclass
class WebhookReceiver:
    """A partner office's system: checks the signature, answers as ``answer`` says, and counts
    what it accepted. ``answer(hit, n)`` gets the n-th request (from 1) for the event id."""

    secret: str = SECRET
    answer: Callable[[Hit, int], int] = lambda hit, n: 200
    # Seconds to think before answering (a slow partner system).
    delay: float = 0.0
    # Seconds to stall after sending the status line and headers, before the body they
    # announce (a partner system hanging mid-response).
    stall: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hit = Hit(
                    event_id=self.headers["X-Referral-Event-Id"],
                    attempt=int(self.headers["X-Referral-Attempt"]),
                    signature_ok=signature_valid(
                        receiver.secret,
                        self.headers["X-Referral-Timestamp"],
                        body,
                        self.headers["X-Referral-Signature"],
                        now=time.time(),
                    ),
                    payload=json.loads(body),
                    host=self.headers["Host"],
                )
                with receiver.lock:
                    receiver.hits.append(hit)
                    n = sum(1 for h in receiver.hits if h.event_id == hit.event_id)
                status = receiver.answer(hit, n) if hit.signature_ok else 401
                hit.status = status
                time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    if receiver.stall:
                        self.send_header("Content-Length", "2")
                        self.end_headers()
                        self.wfile.flush()
                        time.sleep(receiver.stall)
                        self.wfile.write(b"ok")
                    else:
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                except OSError:  # the sender is gone (killed mid-request, or gave up)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/referral-events"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accepted(self) -> Counter:
        with self.lock:
            return Counter(h.event_id for h in self.hits if 200 <= h.status < 300)

    def requests(self) -> Counter:
        with self.lock:
            return Counter(h.event_id for h in self.hits)


def configure(app, office: str, *, duty_email: str = "", webhook_url: str = "") -> None:
    with app.app_context(), get_db(app).session() as db:
        admin = db.exec(select(User).where(User.username == "admin")).one()
        notifications.set_office_channels(
            db,
            actor=admin,
            office_code=office,
            duty_email=duty_email,
            webhook_url=webhook_url,
            webhook_secret=SECRET if webhook_url else "",
        )


def deliver_now(app, delivery_id: int):
    """What the worker's task does, in this process; returns the result or the failure."""
    with app.app_context(), get_db(app).session() as db:
        try:
            return notifications.deliver(db, delivery_id=delivery_id)
        except notifications.DeliveryFailed as failure:
            return failure
