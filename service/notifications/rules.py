"""Delivery rules: which state a delivery is in and may move to, how long to wait after a failed
attempt, the webhook signature and the addresses a webhook may go to. Pure functions: no Flask,
no session, no Celery."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from service.outbox import rules as outbox_rules


class DeliveryStatus(StrEnum):
    queued = "queued"  # written with the change (or re-queued by an admin), not attempted yet
    sending = "sending"  # an attempt holds it until next_attempt_at (its lease)
    sent = "sent"  # e-mail: accepted by the SMTP server (SMTP reports nothing further)
    delivered = "delivered"  # inbox: visible; webhook: the receiver answered 2xx
    failed = "failed"  # the last attempt failed; the next one is due at next_attempt_at
    dead = "dead"  # dead-lettered after the last attempt; only an administrator retries it


DONE = frozenset({DeliveryStatus.sent, DeliveryStatus.delivered})
# What the administrators' page lists and may re-queue.
NEEDS_ATTENTION = (DeliveryStatus.failed, DeliveryStatus.dead)
# What the relay looks at: anything that should be attempted but may have lost its nudge.
PENDING = (DeliveryStatus.queued, DeliveryStatus.failed, DeliveryStatus.sending)


def may_attempt(status: str, next_attempt_at: datetime, now: datetime) -> bool:
    """Whether a dispatch that finds the delivery in this state should attempt it now
    (``service.outbox.rules.may_attempt``; the lease is held while ``sending``)."""
    return outbox_rules.may_attempt(status, next_attempt_at, now, leased=DeliveryStatus.sending)


def status_after_failure(attempts: int, max_attempts: int) -> DeliveryStatus:
    """The last allowed attempt failed → dead-lettered; otherwise it is retried later."""
    return DeliveryStatus(outbox_rules.status_after_failure(attempts, max_attempts))


backoff_seconds = outbox_rules.backoff_seconds


def event_id(notification_id: int) -> str:
    """The stable id of a notification towards partner systems: the same on every retry."""
    return f"ntf-{notification_id}"


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 over "{timestamp}.{body}" keyed with the office's secret>``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signature_valid(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance_seconds: float = 300,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent (no replays)."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance_seconds:
        return False
    return hmac.compare_digest(webhook_signature(secret, timestamp, body), signature)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# IPv6 addresses that carry an IPv4 address: judged by the address they carry.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _carried(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def webhook_address_allowed(address: str | IPAddress, allowed: Iterable[IPNetwork] = ()) -> bool:
    """Whether a webhook may be sent to this address: a public unicast address, or one in a
    network an administrator allowed (REFERRAL_WEBHOOK_ALLOWED_NETWORKS). Loopback, private,
    link-local (cloud metadata), shared, reserved, multicast and unspecified addresses are not,
    so an endpoint URL cannot make the service call its own network."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if any(ip in network for network in allowed):
        return True
    ip = _carried(ip)
    if any(ip in network for network in allowed):
        return True
    return ip.is_global and not ip.is_multicast
