"""What the scheduler enqueues and when. The scheduler only enqueues; workers do the work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    trigger: CronTrigger | IntervalTrigger
    enqueue: Callable[[], object]


def scheduled_jobs() -> list[ScheduledJob]:
    from conversations.tasks import raw_deliveries_purge_all
    from tenants.tasks import expire_invitations

    return [
        ScheduledJob("expire invitations", IntervalTrigger(hours=1), expire_invitations.send),
        ScheduledJob("delete old raw webhook deliveries", IntervalTrigger(hours=6), raw_deliveries_purge_all.send),
    ]
