"""Budgets for signing in and signing up that hold across every host.

The default cache scopes keys to the current creator's schema, so counters kept there give a
guesser a fresh budget on every creator's host. These live in the "limits" cache, whose keys carry
no schema: one budget per account, per address and per client IP on the whole platform.

The client IP is REMOTE_ADDR unless NUM_PROXIES says how many proxies in front of us append to
X-Forwarded-For; a header the client writes itself never picks its own budget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from redis.exceptions import RedisError

from tenants.limits import client_ip_from, limit_key_digest
from tenants.scope import platform_key

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
    return client_ip_from(
        remote=request.META.get("REMOTE_ADDR", ""),
        forwarded=[request.META.get("HTTP_X_FORWARDED_FOR", "")],
        proxies=settings.NUM_PROXIES,
    )


def _keys(budget: Budget, ident: str, now: float) -> tuple[str, str]:
    window = int(now // budget.window_seconds)
    base = ("auth", budget.scope, limit_key_digest(ident))
    return platform_key(*base, window), platform_key(*base, window - 1)


def _wait(budget: Budget, now: float) -> int:
    return max(1, budget.window_seconds - int(now % budget.window_seconds))


def attempt_consume(*, budgets: Iterable[tuple[Budget, str]], clock: Clock = time.time) -> tuple[str, ...]:
    """Count this attempt, then raise TooManyAttempts if it went past a budget.

    Counting before the slow work (a password hash, a two-factor check) and reading the count incr
    returns is what makes the limit hold under parallel requests: N requests sent at once get N
    different counts, so only the budget's worth are let through. A refused attempt is taken back
    (it looked at nothing). Returns the keys counted, for `attempt_release` when the attempt succeeds.
    """
    now = clock()
    limits = caches["limits"]
    counted: list[str] = []
    wait = 0
    try:
        for budget, ident in budgets:
            current, previous = _keys(budget, ident, now)
            limits.add(current, 0, budget.window_seconds * 2 + 60)
            count = limits.incr(current)
            counted.append(current)
            elapsed = (now % budget.window_seconds) / budget.window_seconds
            if (limits.get(previous) or 0) * (1 - elapsed) + count > budget.limit:
                wait = max(wait, _wait(budget, now))
    except RedisError as exc:
        # Same choice as the API throttles: with Redis down, sign-in keeps working unlimited.
        logger.warning("sign-in attempt not counted, cache unavailable: %s", type(exc).__name__)
        return tuple(counted)
    if wait:
        attempt_release(tuple(counted))
        raise TooManyAttempts(wait)
    return tuple(counted)


def attempt_release(counted: tuple[str, ...]) -> None:
    """Take back an attempt that succeeded; only that one, so successes cannot wipe a guesser's count."""
    limits = caches["limits"]
    try:
        for key in counted:
            limits.decr(key)
    except (RedisError, ValueError) as exc:  # ValueError: the window's key has expired meanwhile
        logger.warning("sign-in attempt not taken back: %s", type(exc).__name__)


def _login_budgets(request: HttpRequest, login: str) -> list[tuple[Budget, str]]:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return [
        (Budget("login-account", settings.LOGIN_FAILURES_PER_ACCOUNT, window), login),
        (Budget("login-ip", settings.LOGIN_FAILURES_PER_IP, window), client_ip(request)),
    ]


def login_attempt_consume(request: HttpRequest, *, login: str) -> tuple[str, ...]:
    """Every sign-in attempt is counted before the password is looked at; `attempt_release` on success."""
    return attempt_consume(budgets=_login_budgets(request, login))


def signup_attempt_consume(request: HttpRequest, *, email: str) -> None:
    """Count a sign-up attempt by this IP for this address; raise TooManyAttempts past either budget."""
    budgets = [
        (Budget("signup-address", settings.SIGNUPS_PER_ADDRESS_PER_HOUR, 3600), email),
        (Budget("signup-ip", settings.SIGNUPS_PER_IP_PER_HOUR, 3600), client_ip(request)),
    ]
    attempt_consume(budgets=budgets)
