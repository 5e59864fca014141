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

from tenants.clock import timestamp
from tenants.limits import Limit, client_ip_from, limits_wait_seconds
from tenants.scope import creator_key


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
    """0 if this person may send one more message now; the key is the creator's (contact ids are per schema)."""
    now = timestamp()
    window = int(now // 60)
    key = creator_key("chat-user-rate", contact_id, window)
    cache.add(key, 0, 90)
    if cache.incr(key) <= settings.CHAT_USER_MESSAGES_PER_MINUTE:
        return 0
    return 60 - int(now % 60)


def scope_client_ip(scope: dict) -> str:
    """A socket's client address, by the same rule as every HTTP limit (tenants.limits)."""
    peer = (scope.get("client") or ("",))[0] or ""
    forwarded = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-forwarded-for"]
    return client_ip_from(remote=peer, forwarded=forwarded, proxies=settings.NUM_PROXIES)


def anonymous_chat_wait_seconds(*, client_ip: str, widget_key: str, new_visitor: bool) -> int:
    """0 if one more message may be stored now. Holds an IP (every visitor behind it) and a widget
    to their own budgets, across creators' hosts (platform-wide keys, tenants.limits), so a stream
    of fresh visitors gets nowhere."""
    client_ip, widget_key = client_ip or "unknown", widget_key or "unknown"
    limits = [
        Limit("chat-ip-messages", client_ip, settings.CHAT_IP_MESSAGES_PER_MINUTE, 60),
        Limit("chat-widget-messages", widget_key, settings.CHAT_WIDGET_MESSAGES_PER_MINUTE, 60),
    ]
    if new_visitor:
        limits += [
            Limit("chat-new-visitors-ip", client_ip, settings.CHAT_NEW_VISITORS_PER_IP_PER_HOUR, 3600),
            Limit("chat-new-visitors-widget", widget_key, settings.CHAT_NEW_VISITORS_PER_WIDGET_PER_HOUR, 3600),
        ]
    return limits_wait_seconds(limits)
