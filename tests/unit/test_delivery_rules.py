"""Delivery rules: backoff with full jitter, when a dispatch may attempt, the webhook signature."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.notifications.rules import (
    DeliveryStatus,
    backoff_seconds,
    event_id,
    may_attempt,
    signature_valid,
    status_after_failure,
    webhook_address_allowed,
    webhook_signature,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_backoff_doubles_from_the_base_up_to_the_cap_at_the_top_of_the_jitter():
    waits = [backoff_seconds(n, base=30, cap=600, rand=lambda: 1.0) for n in range(1, 8)]
    assert waits == [30, 60, 120, 240, 480, 600, 600]


def test_backoff_can_be_as_short_as_zero_full_jitter():
    assert backoff_seconds(5, base=30, cap=600, rand=lambda: 0.0) == 0


@given(
    attempt=st.integers(min_value=1, max_value=10_000),
    base=st.floats(min_value=0.01, max_value=600),
    cap=st.floats(min_value=0.01, max_value=86_400),
    fraction=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_backoff_stays_within_zero_and_the_capped_exponential(attempt, base, cap, fraction):
    wait = backoff_seconds(attempt, base=base, cap=cap, rand=lambda: fraction)
    assert 0 <= wait <= min(cap, base * 2 ** min(attempt - 1, 60))


def test_backoff_is_random_by_default():
    waits = {backoff_seconds(4, base=30, cap=600) for _ in range(20)}
    assert len(waits) > 1 and all(0 <= w <= 240 for w in waits)


def test_backoff_counts_attempts_from_one():
    with pytest.raises(ValueError):
        backoff_seconds(0, base=1, cap=1)


def test_the_last_allowed_failure_dead_letters_the_delivery():
    assert status_after_failure(5, 6) == DeliveryStatus.failed
    assert status_after_failure(6, 6) == DeliveryStatus.dead


@pytest.mark.parametrize(
    ("status", "offset", "expected"),
    [
        ("queued", 0, True),
        ("queued", 60, True),  # a queued delivery has no backoff to wait for
        ("failed", -1, True),  # the backoff is over
        ("failed", 60, False),  # a retry is pending: a dispatch now does nothing
        ("sending", 60, False),  # another attempt holds the lease
        ("sending", -1, True),  # the lease expired: that worker is presumed dead
        ("delivered", -1, False),
        ("sent", -1, False),
        ("dead", -1, False),  # only an administrator re-queues it
    ],
)
def test_a_dispatch_attempts_only_what_is_due_and_not_held(status, offset, expected):
    assert may_attempt(status, NOW + timedelta(seconds=offset), NOW) is expected


def test_the_event_id_is_derived_from_the_notification_only():
    assert event_id(42) == event_id(42) == "ntf-42"


def test_the_signature_is_an_hmac_sha256_over_timestamp_dot_body():
    body = '{"event_id":"ntf-1","title":"金牛发来协办请求"}'.encode()
    expected = hmac.new(b"s3cret-s3cret-s3cret", b"1767225600." + body, hashlib.sha256)
    assert webhook_signature("s3cret-s3cret-s3cret", "1767225600", body) == (
        "sha256=" + expected.hexdigest()
    )


def test_a_receiver_accepts_the_signature_only_for_the_same_secret_body_and_a_fresh_time():
    body = b'{"event_id":"ntf-1"}'
    signature = webhook_signature("secret-of-shifang", "1000", body)
    assert signature_valid("secret-of-shifang", "1000", body, signature, now=1100)
    assert not signature_valid("secret-of-pengzhou", "1000", body, signature, now=1100)
    assert not signature_valid("secret-of-shifang", "1000", body + b" ", signature, now=1100)
    assert not signature_valid("secret-of-shifang", "1001", body, signature, now=1100)
    assert not signature_valid("secret-of-shifang", "1000", body, signature, now=1000 + 301)
    assert not signature_valid("secret-of-shifang", "soon", body, signature, now=1100)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.10",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "169.254.169.254",  # link-local: the cloud metadata service
        "0.0.0.0",
        "255.255.255.255",
        "224.0.1.1",  # multicast, although "global"
        "192.0.2.10",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "ff02::1",
    ],
)
def test_webhooks_may_not_go_to_internal_addresses(address):
    assert not webhook_address_allowed(address)


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.215.14"]
)
def test_webhooks_may_go_to_public_addresses(address):
    assert webhook_address_allowed(address)


def test_an_allowed_network_lets_its_addresses_through_and_no_other():
    allowed = [ipaddress.ip_network("10.20.0.0/16"), ipaddress.ip_network("127.0.0.0/8")]
    assert webhook_address_allowed("10.20.3.4", allowed)
    assert webhook_address_allowed("127.0.0.1", allowed)
    assert webhook_address_allowed("::ffff:10.20.3.4", allowed)  # the same address in IPv6
    assert not webhook_address_allowed("10.21.0.1", allowed)
    assert not webhook_address_allowed("::1", allowed)
    assert webhook_address_allowed(ipaddress.ip_address("93.184.215.14"), allowed)
