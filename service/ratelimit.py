"""Rate limits (Flask-Limiter on the ``limits`` package): the API per bearer token and per
client address, and the storage the login throttle counts in (``accounts/throttle.py``).

Counters live in Redis (``REFERRAL_REDIS_URL``), so every web process shares them and each
increment is atomic. In the embedded mode (no Redis URL) they live in each web process's
memory. While Redis is unreachable the limits fall back to memory instead of failing requests.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, Response, current_app, render_template, request
from flask_babel import force_locale, gettext
from flask_limiter import Limiter, RateLimitExceeded
from limits.storage import Storage

from config import Settings
from service.audit.service import client_ip
from service.errors import N_

EXTENSION = "referral.limiter"
# Every key this service writes to Redis for limits starts with this.
KEY_PREFIX = "referral-limits"
# A request never waits long for a Redis that does not answer.
REDIS_TIMEOUT_SECONDS = 1.0


def storage_options(settings: Settings) -> tuple[str, dict]:
    """The storage URI and its options: Redis when configured, else this process's memory."""
    if not settings.redis_url:
        return "memory://", {}
    return settings.redis_url, {
        "key_prefix": KEY_PREFIX,
        "wrap_exceptions": True,  # any Redis failure is a limits.errors.StorageError
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
    }


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _token_key() -> str:
    # The token itself never goes to Redis, only a digest of it.
    return hashlib.sha256(bearer_token().encode()).hexdigest()[:32]


def init_app(app: Flask, settings: Settings, api: object) -> Limiter:
    """A limiter of the app's own (tests build apps with different settings side by side) with
    the API's limits on the ``api`` blueprint."""
    uri, options = storage_options(settings)
    limiter = Limiter(
        client_ip,
        storage_uri=uri,
        storage_options=options,
        strategy="fixed-window",
        key_prefix="api",
        in_memory_fallback_enabled=bool(settings.redis_url),
        swallow_errors=True,
    )
    limiter.init_app(app)
    limiter.shared_limit(
        f"{settings.api_requests_per_minute}/minute",
        scope="token",
        key_func=_token_key,
        exempt_when=lambda: not bearer_token(),
    )(api)
    limiter.shared_limit(f"{settings.api_address_requests_per_minute}/minute", scope="address")(api)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    return limiter


def storage(app: Flask | None = None) -> Storage:
    return (app or current_app).extensions[EXTENSION].storage


def retry_after(reset_at: float) -> int:
    """Whole seconds until ``reset_at`` (a Unix time), at least one."""
    return max(1, math.ceil(reset_at - time.time()))


def _too_many_requests(error: RateLimitExceeded) -> Response | tuple:
    limit = current_app.extensions[EXTENSION].current_limit
    seconds = retry_after(limit.window.reset_time) if limit is not None else 60
    headers = {"Retry-After": str(seconds)}
    if request.path.startswith("/api/"):
        from service.api.problems import problem

        with force_locale("zh_CN"):
            title = gettext(N_("Too many requests"))
            detail = gettext(
                N_("Too many requests. Try again in %(seconds)s seconds."), seconds=seconds
            )
        return problem(429, "too-many-requests", title, detail, headers=headers)
    return render_template("error.html", code=429), 429, headers
