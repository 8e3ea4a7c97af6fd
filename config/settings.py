"""Settings read once from the environment (prefix ``REFERRAL_``) or a ``.env`` file."""

from __future__ import annotations

import ipaddress
import math
import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-secret-key-not-for-production"
# The evidence file types the service recognises by their content (service/attachments/rules.py).
ATTACHMENT_TYPES = ("pdf", "ofd", "jpeg", "png", "docx", "xlsx")
# What production asks of REFERRAL_SECRET_KEY: sessions and CSRF tokens are signed with it.
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_BITS = 128
# 8, not more: a random hex key of 32 characters (secrets.token_hex(16)) has 9 different ones
# about once in 8,000 keys, 8 or fewer practically never.
SECRET_KEY_MIN_DISTINCT = 8
MAKE_SECRET_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REFERRAL_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,  # a refused secret key is never echoed in the error
    )

    env: Literal["development", "production", "test"] = "development"
    instance_path: Path = PROJECT_ROOT / "instance"
    # Empty means the embedded default: SQLite / filesystem queue under instance_path.
    database_url: str = ""
    broker_url: str = ""
    redis_url: str = ""
    secret_key: str = DEV_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"

    # Outbox: a delivery still queued this long after its row was written is re-dispatched.
    relay_interval_seconds: float = 10.0
    relay_grace_seconds: float = 15.0
    # Publishing a nudge must never hold up a request for long when the broker is down.
    broker_publish_timeout_seconds: float = 2.0
    # after a failed nudge, none is sent for this long (the relay covers them)
    broker_pause_seconds: float = 30.0

    # Deadlines: remind this many working days ahead; the sweep runs this often (seconds).
    reminder_window_working_days: int = 2
    deadline_sweep_interval_seconds: float = 1800.0
    digest_hour: int = 8  # the morning digest e-mail, in Asia/Shanghai

    api_token_ttl_hours: int = 12
    login_max_failures: int = 5
    login_failure_window_minutes: int = 15
    # Login throttling (counters in Redis; in each web process's memory in the embedded mode):
    # one address gets login_max_failures tries at one username per window, then that pair
    # waits. The username itself is locked only after login_user_max_failures from all
    # addresses together (its office is told), an address after login_address_max_failures at
    # any usernames.
    login_user_max_failures: int = Field(default=50, ge=1)
    login_address_max_failures: int = Field(default=100, ge=1)
    # API requests per minute, per bearer token and per client address.
    api_requests_per_minute: int = Field(default=600, ge=1)
    api_address_requests_per_minute: int = Field(default=1200, ge=1)
    # Lookups on the public progress page (/progress and its API) per minute per client address.
    progress_per_minute: int = Field(default=10, ge=1)
    # A web login lasts at most this long (its cookie ends earlier when the browser closes).
    session_hours: int = Field(default=12, ge=1)
    max_request_bytes: int = 1_000_000
    page_size: int = 20

    # Evidence files (附件): the largest file, how many one upload form may carry, the types
    # allowed (a comma-separated list in the environment: pdf,ofd,jpeg,png,docx,xlsx) and the
    # folder they are kept in — empty means <instance_path>/attachments. Web and worker must
    # share it.
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    attachment_max_files: int = Field(default=10, ge=1)
    attachment_types: str = ",".join(ATTACHMENT_TYPES)
    attachment_path: str = ""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_sender: str = "referral@localhost"
    smtp_timeout_seconds: float = 20.0

    # Delivery of notifications on every channel (inbox, e-mail, webhook): a failed attempt is
    # retried after a random wait of up to base × 2^(attempt−1) seconds (capped), at most
    # max_attempts times before it is dead-lettered; an attempt in progress holds its delivery
    # for lease_seconds, after which a worker that died mid-send is presumed lost.
    delivery_max_attempts: int = Field(default=6, ge=1)
    delivery_backoff_base_seconds: float = Field(default=30.0, gt=0)
    delivery_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # (The same settings apply to the workers' jobs.) A webhook attempt as a whole, resolving
    # the host name through reading the answer, ends within webhook_timeout_seconds; the lease
    # must be at least twice that, so an attempt under way is never taken for a lost one.
    delivery_lease_seconds: float = Field(default=120.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Webhooks never go to loopback, private, link-local or other non-public addresses, unless
    # an administrator allows such a network here (a comma-separated list of CIDRs, e.g.
    # 10.20.0.0/16 for partner systems on the government network). Empty: public only.
    webhook_allowed_networks: str = ""
    # Reverse proxies in front of the web process: X-Forwarded-For/-Proto are believed from
    # this many hops (0: from none, the peer is the client).
    trusted_proxies: int = Field(default=0, ge=0)

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _cidr_networks(cls, value: str) -> str:
        networks = []
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            try:
                networks.append(str(ipaddress.ip_network(part)))
            except ValueError:
                raise ValueError(
                    f"REFERRAL_WEBHOOK_ALLOWED_NETWORKS: {part!r} is not a network in CIDR "
                    "notation (e.g. 10.20.0.0/16)"
                ) from None
        return ",".join(networks)

    @field_validator("attachment_types")
    @classmethod
    def _known_attachment_types(cls, value: str) -> str:
        types = [part.strip().lower() for part in value.split(",") if part.strip()]
        unknown = sorted(set(types) - set(ATTACHMENT_TYPES))
        if unknown or not types:
            raise ValueError(
                f"REFERRAL_ATTACHMENT_TYPES must list some of {','.join(ATTACHMENT_TYPES)}"
                + (f", not {','.join(unknown)}" if unknown else "")
            )
        return ",".join(types)

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Settings:
        if self.delivery_lease_seconds < 2 * self.webhook_timeout_seconds:
            raise ValueError(
                "REFERRAL_DELIVERY_LEASE_SECONDS must be at least twice "
                f"REFERRAL_WEBHOOK_TIMEOUT_SECONDS ({self.webhook_timeout_seconds:g} s): an "
                "attempt still under way would be taken for one whose worker was lost"
            )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production":
            weak = _weak_secret_key(self.secret_key)
            if weak:
                raise ValueError(
                    "REFERRAL_SECRET_KEY must be set to a long random value in production: "
                    f"at least {SECRET_KEY_MIN_LENGTH} characters, {SECRET_KEY_MIN_DISTINCT} "
                    f"of them different, with an estimated entropy of {SECRET_KEY_MIN_BITS} bits "
                    f"or more ({weak}). Make one with: {MAKE_SECRET_KEY}"
                )
            for setting, value, schemes, what in (
                ("DATABASE_URL", self.database_url, POSTGRESQL_SCHEMES, "a PostgreSQL"),
                ("BROKER_URL", self.broker_url, BROKER_SCHEMES, "a Redis"),
                ("REDIS_URL", self.redis_url, REDIS_SCHEMES, "a Redis"),
            ):
                scheme = value.partition("://")[0].lower() if "://" in value else ""
                if scheme not in schemes:
                    raise ValueError(
                        f"production needs REFERRAL_{setting}: {what} URL "
                        f"({' or '.join(s + '://' for s in schemes)}), "
                        + (f"not {scheme}://" if scheme else "which is not set")
                    )
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{self.instance_path / 'referral.db'}"

    @property
    def queue_path(self) -> Path:
        return self.instance_path / "queue"

    @property
    def allowed_attachment_types(self) -> tuple[str, ...]:
        return tuple(self.attachment_types.split(","))

    @property
    def attachment_folder(self) -> Path:
        return (
            Path(self.attachment_path)
            if self.attachment_path
            else self.instance_path / "attachments"
        )

    @property
    def celery_broker_url(self) -> str:
        return self.broker_url or "filesystem://"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def webhook_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(n) for n in self.webhook_allowed_networks.split(",") if n)


POSTGRESQL_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
BROKER_SCHEMES = ("redis", "rediss", "redis+socket")
REDIS_SCHEMES = ("redis", "rediss", "unix")
_CHARACTER_CLASSES = (string.digits, string.ascii_lowercase, string.ascii_uppercase)


def _weak_secret_key(key: str) -> str:
    """Why a key is too weak for production ("" when it is not). The entropy is estimated
    from its length and the character classes it draws from; placeholders are refused whatever
    their case."""
    lowered = key.lower()
    if key == DEV_SECRET_KEY or lowered.replace("_", "-").startswith(("change-me", "changeme")):
        return "this is a placeholder"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"this one has {len(key)} characters"
    distinct = len(set(key))
    if distinct < SECRET_KEY_MIN_DISTINCT:
        return f"this one has {distinct} different characters"
    pool = sum(len(chars) for chars in _CHARACTER_CLASSES if any(c in chars for c in key))
    if any(c in string.punctuation or c == " " for c in key):
        pool += len(string.punctuation) + 1
    if any(not c.isascii() for c in key):
        pool += 64
    bits = len(key) * math.log2(pool)
    if bits < SECRET_KEY_MIN_BITS:
        return f"this one has about {int(bits)} bits"
    return ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
