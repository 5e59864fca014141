"""Flood control for live chat: per connection (a token bucket in memory) and per end user (Redis).

A connection that floods is told to slow down, then closed; a person flooding from many tabs or
devices is held to CHAT_USER_MESSAGES_PER_MINUTE across all of them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache


class FrameBucket:
    def __init__(self, burst: int, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity, self.rate, self.clock = float(burst), per_second, clock
        self.tokens, self.stamp = float(burst), clock()

    def take(self) -> float:
        """0 when the frame may pass, else the seconds until one more would."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def end_user_wait_seconds(contact_id: uuid.UUID) -> int:
    """0 if this person may send one more message now; the cache key carries the creator's schema."""
    window = int(time.time() // 60)
    key = f"chat-user-rate:{contact_id}:{window}"
    cache.add(key, 0, 90)
    if cache.incr(key) <= settings.CHAT_USER_MESSAGES_PER_MINUTE:
        return 0
    return 60 - int(time.time() % 60)
