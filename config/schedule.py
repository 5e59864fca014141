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
    from django.conf import settings

    from analytics.reports.tasks import rollups_refresh_all
    from coaching.tasks import proactive_tick
    from conversations.tasks import raw_deliveries_purge_all
    from tenants.tasks import expire_invitations

    return [
        ScheduledJob(
            "send due program steps and reminders",
            IntervalTrigger(seconds=settings.SCHEDULER_TICK_SECONDS),
            proactive_tick.send,
        ),
        ScheduledJob("expire invitations", IntervalTrigger(hours=1), expire_invitations.send),
        ScheduledJob(
            "count new events into the analytics rollups",
            IntervalTrigger(minutes=settings.ANALYTICS_ROLLUP_MINUTES),
            rollups_refresh_all.send,
        ),
        ScheduledJob("delete old raw webhook deliveries", IntervalTrigger(hours=6), raw_deliveries_purge_all.send),
    ]
