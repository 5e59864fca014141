"""Budgets for signing in and signing up that hold across every host.

The default cache scopes keys to the current creator's schema, so counters kept there give a
guesser a fresh budget on every creator's host. These live in the "limits" cache, whose keys carry
no schema: one budget per account, per address and per client IP on the whole platform.

The client IP is REMOTE_ADDR unless NUM_PROXIES says how many proxies in front of us append to
X-Forwarded-For; a header the client writes itself never picks its own budget.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
Clock = Callable[[], float]


class TooManyAttempts(Exception):
    """A budget is spent; `wait` is the number of seconds before trying again makes sense."""

    def __init__(self, wait: int) -> None:
        super().__init__(wait)
        self.wait = wait


@dataclass(frozen=True)
class Budget:
    scope: str
    limit: int
    window_seconds: int


def client_ip(request: HttpRequest) -> str:
    """The same rule DRF applies with REST_FRAMEWORK["NUM_PROXIES"], for every limit we keep."""
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _ident(value: str) -> str:
    # Addresses are personal data: keep only a digest of them in Redis.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _keys(budget: Budget, ident: str, now: float) -> tuple[str, str]:
    window = int(now // budget.window_seconds)
    base = f"auth:{budget.scope}:{_ident(ident)}"
    return f"{base}:{window}", f"{base}:{window - 1}"


def _spent(budget: Budget, ident: str, now: float) -> float:
    """Sliding-window estimate from two fixed windows: no burst at a window's edge, and atomic incr."""
    current, previous = _keys(budget, ident, now)
    counts = caches["limits"].get_many([current, previous])
    elapsed = (now % budget.window_seconds) / budget.window_seconds
    return counts.get(previous, 0) * (1 - elapsed) + counts.get(current, 0)


def _wait(budget: Budget, now: float) -> int:
    return max(1, budget.window_seconds - int(now % budget.window_seconds))


def attempts_wait_seconds(*, budgets: Iterable[tuple[Budget, str]], clock: Clock = time.time) -> int:
    """0 while every budget has room left, else the seconds to wait. Counts nothing."""
    now = clock()
    try:
        return max((_wait(b, now) for b, ident in budgets if _spent(b, ident, now) >= b.limit), default=0)
    except RedisError as exc:
        # Same choice as the API throttles: with Redis down, sign-in keeps working unlimited.
        logger.warning("sign-in limit not checked, cache unavailable: %s", type(exc).__name__)
        return 0


def attempt_record(*, budgets: Iterable[tuple[Budget, str]], clock: Clock = time.time) -> None:
    now = clock()
    limits = caches["limits"]
    try:
        for budget, ident in budgets:
            key, _ = _keys(budget, ident, now)
            limits.add(key, 0, budget.window_seconds * 2 + 60)
            limits.incr(key)
    except RedisError as exc:
        logger.warning("sign-in attempt not counted, cache unavailable: %s", type(exc).__name__)


def _login_budgets(request: HttpRequest, login: str) -> list[tuple[Budget, str]]:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return [
        (Budget("login-account", settings.LOGIN_FAILURES_PER_ACCOUNT, window), login),
        (Budget("login-ip", settings.LOGIN_FAILURES_PER_IP, window), client_ip(request)),
    ]


def login_wait_seconds(request: HttpRequest, *, login: str) -> int:
    """Checked before a password is even looked at, so a spent budget refuses the right one too."""
    return attempts_wait_seconds(budgets=_login_budgets(request, login))


def login_failure_record(request: HttpRequest, *, login: str) -> None:
    attempt_record(budgets=_login_budgets(request, login))


def signup_attempt_consume(request: HttpRequest, *, email: str) -> None:
    """Count a sign-up attempt by this IP for this address; raise TooManyAttempts past either budget."""
    budgets = [
        (Budget("signup-address", settings.SIGNUPS_PER_ADDRESS_PER_HOUR, 3600), email),
        (Budget("signup-ip", settings.SIGNUPS_PER_IP_PER_HOUR, 3600), client_ip(request)),
    ]
    wait = attempts_wait_seconds(budgets=budgets)
    if wait:
        raise TooManyAttempts(wait)
    attempt_record(budgets=budgets)
