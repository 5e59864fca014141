"""Keeping the dashboard's rollups warm: a sweep queues one job per creator; each counts what its
event stream added since the last one (one indexed read when nothing did). Reading the dashboard
also catches up first, so a figure is never older than the last minute of events."""

from __future__ import annotations

import dramatiq

from analytics.reports.services import rollups_update
from tenants.jobs import tenant_actor
from tenants.models import Creator


@tenant_actor(max_retries=3, min_backoff=10_000, queue_name="ingestion", priority=50)
def rollups_refresh(creator: Creator) -> None:
    rollups_update()


@dramatiq.actor(max_retries=0, queue_name="ingestion", priority=50)
def rollups_refresh_all() -> None:
    """The scheduler's sweep: one job per creator."""
    for schema_name in Creator.objects.filter(kind=Creator.Kind.CREATOR).values_list("schema_name", flat=True):
        rollups_refresh.send(schema_name)
