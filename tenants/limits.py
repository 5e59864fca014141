"""Fixed-window counters that span every creator's host.

The default cache scopes keys to the current creator's schema, which is right for data but wrong
for abuse limits: a person, an address or an IP must not get a fresh budget on every host.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from redis.exceptions import RedisError

from tenants.clock import timestamp
from tenants.scope import platform_key

logger = logging.getLogger(__name__)


def limit_key_digest(value: str) -> str:
    """Addresses, accounts and IPs are personal data: Redis keys hold only a digest of them."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Limit:
    """One budget. Its key is platform-wide (platform_key): a limit per creator says so in `ident`."""

    scope: str
    ident: str
    limit: int
    window_seconds: int


# Count against each limit in turn and stop at the first one spent, as separate calls would, but in
# one round trip: these sit on chat's hot path, in front of storing every message.
_COUNT_IN_TURN = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  if count > tonumber(ARGV[2 * i - 1]) then return i end
end
return 0
"""


@functools.lru_cache(maxsize=8)
def _script(location: str) -> Any:
    client = redis.Redis.from_url(location, socket_connect_timeout=2, socket_timeout=2)
    return client.register_script(_COUNT_IN_TURN)


def limits_wait_seconds(limits: Sequence[Limit], *, clock: Callable[[], float] | None = None) -> int:
    """Count one more attempt against each limit, in order, stopping at the first one spent: 0 while
    all have room, else the seconds until that one's window resets."""
    now = (clock or timestamp)()
    config = settings.CACHES["limits"]
    prefix = config.get("KEY_PREFIX", "")
    keys = [
        f"{prefix}:{platform_key(item.scope, limit_key_digest(item.ident), int(now // item.window_seconds))}"
        for item in limits
    ]
    arguments = [value for item in limits for value in (item.limit, item.window_seconds + 60)]
    try:
        spent = int(_script(config["LOCATION"])(keys=keys, args=arguments))
    except RedisError as exc:
        # Like the API throttles: with Redis down the product keeps answering, limits come back with it.
        logger.warning("limits %s not checked, cache unavailable: %s", limits[0].scope, type(exc).__name__)
        return 0
    if not spent:
        return 0
    window = limits[spent - 1].window_seconds
    return max(1, window - int(now % window))


def client_ip_from(*, remote: str, forwarded: Iterable[str], proxies: int) -> str:
    """The one client-address rule (HTTP and websockets): the peer itself, unless `proxies` trusted
    proxies stand in front; then the address the nearest of them saw. Every X-Forwarded-For line
    counts (a proxy may add its own line rather than append), and a client-written hop never wins."""
    if proxies > 0:
        hops = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote or "unknown"
