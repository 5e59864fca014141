"""Fixed-window counters that span every creator's host.

The default cache scopes keys to the current creator's schema, which is right for data but wrong
for abuse limits: a person, an address or an IP must not get a fresh budget on every host.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.core.cache import caches


def limit_wait_seconds(
    *, scope: str, ident: str, limit: int, window_seconds: int, clock: Callable[[], float] = time.time
) -> int:
    """Count one more attempt; 0 while within `limit` per window, else the seconds until it resets."""
    now = clock()
    window = int(now // window_seconds)
    # Addresses and IPs are personal data: Redis holds only a digest of them.
    key = f"{scope}:{hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:32]}:{window}"
    limits = caches["limits"]
    limits.add(key, 0, window_seconds + 60)
    if limits.incr(key) <= limit:
        return 0
    return max(1, window_seconds - int(now % window_seconds))
