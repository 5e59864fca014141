"""Coaching's jobs: the scheduler's tick and each creator's run of due work. Thin: the work is in
coaching.services.proactive. On their own queue, behind live replies (dramatiq priorities: lower
runs first), so a burst of 08:00 check-ins never delays a person waiting for an answer."""

from __future__ import annotations

from functools import lru_cache

import dramatiq
from django.conf import settings
from dramatiq.rate_limits import ConcurrentRateLimiter
from dramatiq.rate_limits.backends import RedisBackend

from coaching.selectors import CLAIM_STALE
from coaching.services.proactive import proactive_run_due
from tenants import clock
from tenants.jobs import tenant_actor
from tenants.models import Creator
from tenants.selectors import creators_due

PROACTIVE_PRIORITY = 100


@tenant_actor(max_retries=3, min_backoff=5_000, queue_name="proactive", priority=PROACTIVE_PRIORITY)
def proactive_run(creator: Creator) -> None:
    """Send this creator's due steps, reminders and nudges, a batch at a time (the next batch is a
    new job, so one creator's thousands wait behind other creators' work, not in front of it). One
    run per creator at a time: a second finds the first at work and leaves it (it queues the next)."""
    with creator_run_lock(creator.schema_name).acquire(raise_on_failure=False) as acquired:
        if acquired and proactive_run_due()["more"]:
            proactive_run.send(creator.schema_name)


def creator_run_lock(schema_name: str) -> ConcurrentRateLimiter:
    """At most one proactive run per creator across every worker, so 10,000 nudges of one creator
    take one worker thread (and one LLM call at a time), never the whole pool. Released after a
    crash when its claims go stale."""
    return ConcurrentRateLimiter(
        _lock_backend(settings.REDIS_URL), f"{settings.REDIS_KEY_PREFIX}:proactive-run:{schema_name}", limit=1,
        ttl=int(CLAIM_STALE.total_seconds() * 1000),
    )  # fmt: skip


@lru_cache(maxsize=4)
def _lock_backend(url: str) -> RedisBackend:
    return RedisBackend(url=url)


@dramatiq.actor(max_retries=0, queue_name="proactive", priority=PROACTIVE_PRIORITY)
def proactive_tick() -> None:
    """The scheduler's tick (see proactive_tick_now)."""
    proactive_tick_now()


def proactive_tick_now() -> int:
    """One indexed read of the public wake-up table, one job per creator with something due; how
    many were woken. Safe to run twice (the runs claim rows with SKIP LOCKED)."""
    due = creators_due(now=clock.now())
    for _creator_id, schema_name in due:
        proactive_run.send(schema_name)
    return len(due)
