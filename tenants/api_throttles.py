"""Rate limits for API v1: one budget per credential (API key or person) and one per client IP.

Counters live in the shared cache, whose keys carry the creator's schema, so one creator's
traffic never spends another's budget. The sign-in and sign-up endpoints are the exception: their
budgets hold across every host (PlatformScopedRateThrottle). Clients are told apart by the IP
tenants.auth_limits.client_ip finds, never by an X-Forwarded-For they write themselves. DRF
answers 429 with Retry-After when a budget is spent.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import BaseCache, caches
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from tenants.auth_limits import client_ip
from tenants.models import ApiKey

logger = logging.getLogger(__name__)


class FailsOpenByClientIp:
    """With the cache down, let requests through rather than fail them: the API keeps answering
    (the chat keeps working through a Redis outage) and limits come back with the cache. The client
    is identified by the platform's one client-IP rule (NUM_PROXIES), never by a header alone."""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except RedisError as exc:
            logger.warning("rate limit not checked, cache unavailable: %s", type(exc).__name__)
            return True

    def get_ident(self, request: Request) -> str:
        return client_ip(request._request)


class CacheOutageTolerantThrottle(FailsOpenByClientIp, SimpleRateThrottle):
    pass


class PerCredentialThrottle(CacheOutageTolerantThrottle):
    scope = "api_credential"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PerIpThrottle(CacheOutageTolerantThrottle):
    scope = "api_ip"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PlatformScopedRateThrottle(FailsOpenByClientIp, ScopedRateThrottle):
    """`throttle_scope` budgets per client IP that every host shares (token, refresh, sign-up)."""

    @property
    def cache(self) -> BaseCache:  # type: ignore[override]
        return caches["limits"]
