"""Coaching's jobs: the scheduler's tick and each creator's run of due work. Thin: the work is in
coaching.services.proactive. On their own queue, behind live replies (dramatiq priorities: lower
runs first), so a burst of 08:00 check-ins never delays a person waiting for an answer."""

from __future__ import annotations

import dramatiq

from coaching.services.proactive import proactive_run_due
from tenants import clock
from tenants.jobs import tenant_actor
from tenants.models import Creator
from tenants.selectors import creators_due

PROACTIVE_PRIORITY = 100


@tenant_actor(max_retries=3, min_backoff=5_000, queue_name="proactive", priority=PROACTIVE_PRIORITY)
def proactive_run(creator: Creator) -> None:
    """Send this creator's due steps and reminders, a batch at a time (the next batch is a new job,
    so one creator's thousands wait behind other creators' work, not in front of it)."""
    if proactive_run_due()["more"]:
        proactive_run.send(creator.schema_name)


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
