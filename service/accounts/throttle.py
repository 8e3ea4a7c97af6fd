"""The login throttle: atomic counters of login attempts in the rate-limit storage.

Every attempt takes its place in the counters *before* the password is looked at, so of any
number of simultaneous attempts exactly the free places are evaluated and the rest refused;
nothing is read first and written later. Three counters share one window:

- the pair (username, address) locks first, after ``login_max_failures``: someone guessing
  from one address stops there, while the real user at another address still logs in;
- the username alone locks only after ``login_user_max_failures`` from all addresses together
  (then the user's office is told, see ``service.authenticate``);
- the address alone after ``login_address_max_failures`` at any usernames (spraying).

A successful login clears the pair and gives back its place in the other two, so they count
failures only.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Literal

from flask import Flask, current_app
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from config import Settings
from service import ratelimit

log = logging.getLogger(__name__)

EXTENSION = "referral.login_throttle"
Scope = Literal["pair", "user", "address"]


@dataclass(frozen=True)
class Refusal:
    """An attempt refused unevaluated: which counter is full and for how many more seconds."""

    scope: Scope
    retry_after: int


def _user_key(username: str) -> str:
    # Usernames as typed may hold anything; keys hold a digest of them.
    return hashlib.sha256(username.encode()).hexdigest()[:32]


class LoginThrottle:
    def __init__(self, settings: Settings, limiter: RateLimiter) -> None:
        minutes = settings.login_failure_window_minutes
        self.window_minutes = minutes
        self.limits: dict[Scope, RateLimitItem] = {
            "pair": RateLimitItemPerMinute(settings.login_max_failures, minutes),
            "user": RateLimitItemPerMinute(settings.login_user_max_failures, minutes),
            "address": RateLimitItemPerMinute(settings.login_address_max_failures, minutes),
        }
        self.notice = RateLimitItemPerMinute(1, minutes)
        self.limiter = limiter
        # Used while Redis cannot be reached: this process's own counters still bound guessing.
        self.fallback = FixedWindowRateLimiter(MemoryStorage())

    def _call(self, method: str, *args, **kwargs):
        try:
            return getattr(self.limiter, method)(*args, **kwargs)
        except StorageError as error:
            log.warning("rate-limit storage unreachable (%s): counting logins in memory", error)
            return getattr(self.fallback, method)(*args, **kwargs)

    @staticmethod
    def _ids(scope: Scope, username: str, ip: str) -> tuple[str, ...]:
        if scope == "pair":
            return ("login-pair", _user_key(username), ip)
        if scope == "user":
            return ("login-user", _user_key(username))
        return ("login-address", ip)

    def attempt(self, username: str, ip: str) -> Refusal | None:
        """Take a place for this attempt in every counter, or say which one is full. A full
        pair stops here, so one address adds at most ``login_max_failures`` to the others."""
        for scope in ("pair", "address", "user"):
            limit, ids = self.limits[scope], self._ids(scope, username, ip)
            if not self._call("hit", limit, *ids):
                reset_at = self._call("get_window_stats", limit, *ids).reset_time
                return Refusal(scope, ratelimit.retry_after(reset_at))
        return None

    def succeeded(self, username: str, ip: str) -> None:
        """The attempt was right: forget the pair's failures, give back the other places."""
        self._call("clear", self.limits["pair"], *self._ids("pair", username, ip))
        for scope in ("address", "user"):
            self._call("hit", self.limits[scope], *self._ids(scope, username, ip), cost=-1)

    def first_lock_notice(self, username: str) -> bool:
        """True once per window for a locked username: the moment to tell its office."""
        return self._call("hit", self.notice, "login-lock-notice", _user_key(username))


def for_app(app: Flask) -> LoginThrottle:
    throttle = app.extensions.get(EXTENSION)
    if throttle is None:
        throttle = app.extensions[EXTENSION] = LoginThrottle(
            app.config["REFERRAL"], FixedWindowRateLimiter(ratelimit.storage(app))
        )
    return throttle


def login_throttle() -> LoginThrottle:
    """The throttle of the current app."""
    return for_app(current_app)
