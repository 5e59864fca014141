"""Fixed-window counters that span every creator's host.

The default cache scopes keys to the current creator's schema, which is right for data but wrong
for abuse limits: a person, an address or an IP must not get a fresh budget on every host.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable

from django.core.cache import caches
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def limit_key_digest(value: str) -> str:
    """Addresses, accounts and IPs are personal data: Redis keys hold only a digest of them."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def limit_wait_seconds(
    *, scope: str, ident: str, limit: int, window_seconds: int, clock: Callable[[], float] = time.time
) -> int:
    """Count one more attempt; 0 while within `limit` per window, else the seconds until it resets."""
    now = clock()
    window = int(now // window_seconds)
    key = f"{scope}:{limit_key_digest(ident)}:{window}"
    limits = caches["limits"]
    try:
        limits.add(key, 0, window_seconds + 60)
        if limits.incr(key) <= limit:
            return 0
    except RedisError as exc:
        # Like the API throttles: with Redis down the product keeps answering, limits come back with it.
        logger.warning("limit %s not checked, cache unavailable: %s", scope, type(exc).__name__)
        return 0
    return max(1, window_seconds - int(now % window_seconds))


def client_ip_from(*, remote: str, forwarded: Iterable[str], proxies: int) -> str:
    """The one client-address rule (HTTP and websockets): the peer itself, unless `proxies` trusted
    proxies stand in front; then the address the nearest of them saw. Every X-Forwarded-For line
    counts (a proxy may add its own line rather than append), and a client-written hop never wins."""
    if proxies > 0:
        hops = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote or "unknown"
