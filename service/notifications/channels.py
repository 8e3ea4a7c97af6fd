"""Notification channels behind one small interface: the in-app inbox, e-mail over SMTP and
signed webhooks. The outbox engine (``service.outbox.engine``) claims a delivery, asks its
channel to do the work and records the outcome; a channel only knows how to reach the
recipient office.

Guarantees differ by what a channel can put in a transaction:

- The **inbox** is exactly once: its effect is the notification row itself, written in the same
  transaction that marks the delivery delivered (the transaction of the change itself).
- **E-mail and webhooks** are *at least once with a stable id*. They leave the database, so the
  attempt is claimed (status ``sending`` with a lease) and committed before the network call and
  recorded after it. A worker killed between the receiver accepting the message and that record
  leaves the claim behind; once the lease expires the delivery is attempted again and the
  receiver gets the same message a second time with the same id (``event_id`` and the
  ``X-Referral-Event-Id`` header; the e-mail's ``Message-ID``), by which it drops the copy.
"""

from __future__ import annotations

import json
import smtplib
import socket
import ssl
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import httpcore
from flask import Blueprint, current_app
from flask_babel import force_locale
from sqlalchemy import or_
from sqlmodel import Session, select

from config import Settings
from service.accounts.models import Role, User
from service.cases.models import Case
from service.db import LOCAL_TZ, transaction_cache, utcnow
from service.notifications.models import Notification, WebhookEndpoint
from service.notifications.rules import (
    DeliveryStatus,
    event_id,
    webhook_address_allowed,
    webhook_signature,
)
from service.offices import service as offices
from service.offices.models import Office
from service.outbox import engine

USER_AGENT = "referral-webhook/1"


class ChannelError(engine.Failure):
    """An attempt failed; it is retried with backoff until the attempts run out."""


class PermanentFailure(ChannelError, engine.Permanent):
    """Retrying cannot help (the office no longer has an address or endpoint): dead-lettered."""


class Channel(ABC):
    name: ClassVar[str]

    @abstractmethod
    def applies(self, session: Session, notification: Notification) -> bool:
        """Whether the recipient office is reached on this channel (decided when enqueued)."""


class TransactionalChannel(Channel):
    """A channel whose effect is rows in the database: done inside the claiming transaction."""

    @abstractmethod
    def deliver(self, session: Session, notification: Notification) -> DeliveryStatus: ...


class ExternalChannel(Channel):
    """A channel that leaves the database: at least once, with a stable id (module docstring)."""

    @abstractmethod
    def prepare(self, session: Session, notification: Notification) -> object:
        """Read what the attempt needs, inside the claiming transaction (no network here)."""

    @abstractmethod
    def send(self, outgoing: object, *, attempt: int) -> DeliveryStatus:
        """Send it, without a session or a lock held; raise ChannelError when it failed."""


class InboxChannel(TransactionalChannel):
    """The notification becomes visible in the recipient office's inbox."""

    name = "inbox"

    def applies(self, session: Session, notification: Notification) -> bool:
        return True

    def deliver(self, session: Session, notification: Notification) -> DeliveryStatus:
        notification.delivered_at = notification.delivered_at or utcnow()
        session.add(notification)
        return DeliveryStatus.delivered


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def _case_of(session: Session, notification: Notification) -> Case | None:
    return session.get(Case, notification.case_id) if notification.case_id else None


# Escalations and a locked account are for the office's supervisors: they get them by e-mail
# whether or not they opted in to the other notifications.
SUPERVISOR_EVENTS = frozenset({"sla.escalation", "ack.escalation", "account.locked"})


def email_recipients(session: Session, office_code: str, event: str = "") -> list[str]:
    """The office's duty address and every active user of it who opted in (for escalations
    also its supervisors), each once; never an administrator, who has no office inbox."""
    office = session.get(Office, office_code)
    candidates = [office.duty_email] if office is not None and office.duty_email else []
    wanted = User.notify_by_email
    if event in SUPERVISOR_EVENTS:
        wanted = or_(User.notify_by_email, User.role.in_(["supervisor", "regional_supervisor"]))
    candidates += session.exec(
        select(User.email)
        .where(
            User.office_code == office_code,
            User.active,
            User.role != Role.admin,
            wanted,
            User.email != "",
        )
        .order_by(User.id)
    ).all()
    seen: set[str] = set()
    unique = []
    for address in candidates:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


class EmailChannel(ExternalChannel):
    """A Chinese e-mail (text and HTML) to the office's duty address and opted-in users."""

    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def applies(self, session: Session, notification: Notification) -> bool:
        return bool(self.settings.smtp_host) and bool(
            email_recipients(session, notification.recipient_office, notification.event)
        )

    def prepare(self, session: Session, notification: Notification) -> EmailMessage:
        recipients = email_recipients(session, notification.recipient_office, notification.event)
        if not self.settings.smtp_host:
            raise PermanentFailure("SMTP is not configured (REFERRAL_SMTP_HOST)")
        if not recipients:
            raise PermanentFailure("the office has no e-mail recipients any more")
        return self.render(session, notification, recipients)

    def render(
        self, session: Session, notification: Notification, recipients: list[str]
    ) -> EmailMessage:
        case = _case_of(session, notification)
        base_url = self.settings.base_url.rstrip("/")
        context = {
            "notification": notification,
            "case": case,
            "case_url": f"{base_url}/cases/{case.id}" if case else None,
            "inbox_url": f"{base_url}/inbox",
            "sender": session.get(Office, notification.sender_office)
            if notification.sender_office
            else None,
            "recipient": session.get(Office, notification.recipient_office),
            "created_at": _local(notification.created_at).strftime("%Y-%m-%d %H:%M"),
            "event_id": event_id(notification.id),
        }
        # The offices' working language, whatever the language of the request that caused it.
        # Rendered with the app's Jinja environment but without the page context processors
        # (there is no request, no logged-in user here).
        env = current_app.jinja_env
        with force_locale(self.settings.default_locale):
            subject = env.get_template("notifications/email/subject.txt").render(context)
            text = env.get_template("notifications/email/body.txt").render(context)
            html = env.get_template("notifications/email/body.html").render(context)
        message = EmailMessage()
        message["Subject"] = " ".join(subject.split())
        message["From"] = self.settings.smtp_sender
        message["To"] = ", ".join(recipients)
        message["Date"] = formatdate(localtime=True)
        domain = self.settings.smtp_sender.rpartition("@")[2] or "localhost"
        # Stable across retries, so a copy sent again after a crash can be recognised.
        message["Message-ID"] = f"<{event_id(notification.id)}.email@{domain}>"
        message["X-Referral-Event-Id"] = event_id(notification.id)
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    def send(self, outgoing: object, *, attempt: int) -> DeliveryStatus:
        assert isinstance(outgoing, EmailMessage)
        s = self.settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(outgoing)
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"SMTP: {type(exc).__name__}: {exc}") from exc
        # The SMTP server took it; whether it reached the mailbox is not reported back.
        return DeliveryStatus.sent


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    secret: str
    event_id: str
    event: str
    body: bytes


def webhook_payload(session: Session, notification: Notification, base_url: str) -> dict:
    """The JSON body: the same on every attempt (documented in the README under "Webhooks")."""
    case = _case_of(session, notification)
    return {
        "event_id": event_id(notification.id),
        "event": notification.event,
        "occurred_at": _local(notification.created_at).isoformat(),
        "sender_office": notification.sender_office,
        "recipient_office": notification.recipient_office,
        "title": notification.title,
        "body": notification.body,
        "requires_ack": notification.requires_ack,
        "case": {
            "id": case.id,
            "number": case.number,
            "url": f"{base_url.rstrip('/')}/api/v1/cases/{case.id}",
        }
        if case
        else None,
    }


def resolve_host(host: str, port: int) -> list[str]:
    """Every address a host name resolves to, each once (a literal address: itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refused_addresses(addresses: list[str], settings: Settings) -> list[str]:
    """Those of the addresses webhooks may not go to (see ``webhook_address_allowed``)."""
    networks = settings.webhook_networks
    return [a for a in addresses if not webhook_address_allowed(a.partition("%")[0], networks)]


# The e-mails' templates, for an app without the notification pages (a worker's).
TEMPLATES = Blueprint("notification_templates", __name__, template_folder="templates")


def read_offices(session: Session) -> None:
    """Every office and its webhook endpoint in one query, held for the transaction: the
    steps of a filing after it find them all without a query of their own."""
    rows = session.exec(
        select(Office, WebhookEndpoint)
        .outerjoin(WebhookEndpoint, WebhookEndpoint.office_code == Office.code)
        .order_by(*offices.OFFICE_ORDER)
    ).all()
    offices.hold(session, [office for office, _endpoint in rows])
    cache = transaction_cache(session, "webhook_endpoints")
    for office, endpoint in rows:
        cache[office.code] = endpoint


class WebhookChannel(ExternalChannel):
    """A signed JSON POST to the office's endpoint; any 2xx answer counts as delivered."""

    name = "webhook"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @staticmethod
    def endpoint(session: Session, office_code: str) -> WebhookEndpoint | None:
        cache = transaction_cache(session, "webhook_endpoints")  # an office's, or None
        if office_code not in cache:
            cache[office_code] = session.get(WebhookEndpoint, office_code)
        endpoint = cache[office_code]
        return endpoint if endpoint is not None and endpoint.active and endpoint.url else None

    def applies(self, session: Session, notification: Notification) -> bool:
        return self.endpoint(session, notification.recipient_office) is not None

    def prepare(self, session: Session, notification: Notification) -> WebhookRequest:
        endpoint = self.endpoint(session, notification.recipient_office)
        if endpoint is None:
            raise PermanentFailure("the office has no active webhook endpoint any more")
        payload = webhook_payload(session, notification, self.settings.base_url)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return WebhookRequest(
            url=endpoint.url,
            secret=endpoint.secret,
            event_id=payload["event_id"],
            event=notification.event,
            body=body,
        )

    def send(self, outgoing: object, *, attempt: int) -> DeliveryStatus:
        """POST it; the attempt as a whole (resolving the name, connecting, TLS, sending,
        waiting for and reading the answer) ends within ``webhook_timeout_seconds``, so it
        always ends well inside its lease (the settings see to that)."""
        assert isinstance(outgoing, WebhookRequest)
        deadline = Deadline(self.settings.webhook_timeout_seconds)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Referral-Event-Id": outgoing.event_id,
            "X-Referral-Event": outgoing.event,
            "X-Referral-Attempt": str(attempt),
            "X-Referral-Timestamp": timestamp,
            "X-Referral-Signature": webhook_signature(outgoing.secret, timestamp, outgoing.body),
        }
        try:
            url, extensions = self.pinned(outgoing.url, headers, deadline)
            with httpcore.ConnectionPool(
                ssl_context=ssl.create_default_context(),
                network_backend=BoundedBackend(deadline),
                max_connections=1,
            ) as pool:
                response = pool.request(
                    "POST",
                    url,
                    headers=headers,
                    content=outgoing.body,
                    extensions={**extensions, "timeout": deadline.timeouts()},
                )
        except HTTP_ERRORS as exc:
            if deadline.over():  # a step given only the rest of the time ran out of it
                raise ChannelError(f"webhook: {deadline.exceeded()}") from exc
            raise ChannelError(f"webhook: {type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status < 300:
            text = response.content[:200].decode("utf-8", errors="replace")
            raise ChannelError(f"webhook: HTTP {response.status} {text}")
        return DeliveryStatus.delivered

    def pinned(self, url: str, headers: dict[str, str], deadline: Deadline) -> tuple[str, dict]:
        """The URL with its host name replaced by the address it resolves to now, once that
        address is checked; the name stays in the Host header and, over TLS, in SNI and the
        certificate check. So a name that resolved to a public address when the endpoint was
        saved cannot reach the service's own network later (DNS rebinding): the address
        checked is the address connected to."""
        parts = urlsplit(url)
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = deadline.call(resolve_host, host, port)
        except TimeoutError as exc:
            raise ChannelError(f"webhook: cannot resolve {host} in time: {exc}") from exc
        except OSError as exc:
            raise ChannelError(f"webhook: cannot resolve {host}: {exc}") from exc
        refused = refused_addresses(addresses, self.settings)
        if refused or not addresses:
            raise PermanentFailure(
                f"webhook: {host} resolves to {refused[0] if refused else 'nothing'}, an address"
                " webhooks may not go to (see REFERRAL_WEBHOOK_ALLOWED_NETWORKS)"
            )
        named = f"[{host}]" if ":" in host else host
        headers["Host"] = named if parts.port is None else f"{named}:{parts.port}"
        address = addresses[0].partition("%")[0]
        netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        return pinned, ({"sni_hostname": host} if parts.scheme == "https" else {})


# --------------------------------------------------------------------------- bounded attempts

HTTP_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    OSError,
)


class Deadline:
    """The end of one attempt: every step gets only the time that is left of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self, timeout: float | None = None, *, error: type[Exception]) -> float:
        """The time a step may take: what is left, or its own ``timeout`` if that is shorter;
        ``error`` once nothing is left."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise error(self.exceeded())
        return left if timeout is None else min(timeout, left)

    def over(self) -> bool:
        return time.monotonic() >= self.ends

    def exceeded(self) -> str:
        return f"the attempt took longer than {self.seconds:g} s as a whole"

    def timeouts(self) -> dict[str, float]:
        left = self.left(error=httpcore.ConnectTimeout)
        return {"connect": left, "read": left, "write": left, "pool": left}

    def call(self, function: Callable[..., Any], *args: object) -> Any:
        """``function(*args)`` in a thread of its own, given up (TimeoutError) when the time is
        up: for a call that takes no timeout, such as resolving a host name. It only reads, so
        a call left behind does no harm."""
        done: dict[str, Any] = {}

        def run() -> None:
            try:
                done["value"] = function(*args)
            except BaseException as exc:  # handed to the caller
                done["error"] = exc

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(self.left(error=TimeoutError))
        if thread.is_alive():
            raise TimeoutError(f"no answer within {self.seconds:g} s")
        if "error" in done:
            raise done["error"]
        return done["value"]


class BoundedStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self.stream, self.deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self.deadline.left(timeout, error=httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self.deadline.left(timeout, error=httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self.deadline.left(timeout, error=httpcore.ConnectTimeout)
        return BoundedStream(
            self.stream.start_tls(ssl_context, server_hostname, left), self.deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class BoundedBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, each step bounded by what is left of the deadline: a receiver
    that answers a byte at a time cannot keep the attempt going past it."""

    def __init__(self, deadline: Deadline) -> None:
        self.backend, self.deadline = httpcore.SyncBackend(), deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = self.deadline.left(timeout, error=httpcore.ConnectTimeout)
        stream = self.backend.connect_tcp(host, port, left, local_address, socket_options)
        return BoundedStream(stream, self.deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - webhooks go over TCP
        raise httpcore.UnsupportedProtocol("webhooks go over TCP")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - no retries configured
        time.sleep(self.deadline.left(seconds, error=httpcore.PoolTimeout))


def registry(settings: Settings) -> dict[str, Channel]:
    """Every channel by name, configured from the settings."""
    channels: list[Channel] = [InboxChannel(), EmailChannel(settings), WebhookChannel(settings)]
    return {channel.name: channel for channel in channels}


# How many channels ``registry`` has: a notification has at most one delivery on each.
CHANNEL_COUNT = 3
