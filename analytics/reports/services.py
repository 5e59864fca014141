"""The rollups the dashboard reads, kept from the append-only event stream.

Each update reads the events after the last one counted (by id, a batch at a time), cuts them into
the creator's days (their timezone, DST-correct), and adds them to `DayCount` (per kind, outlet,
author and detail) and `DayPerson` (who wrote that day) with one upsert per batch, moving the
cursor in the same transaction: an update that fails counts nothing twice. Events younger than
`SETTLE` wait for the next update, so one whose transaction commits a moment after a newer one's
is not skipped. A change of the creator's timezone rebuilds everything from the stream.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from analytics.models import DayCount, DayPerson, Event, RollupState
from tenants import clock

SETTLE = timedelta(seconds=60)
BATCH = 20_000
# Reply times (seconds) are counted in these buckets: "reply<5" holds replies under 5 s.
REPLY_BUCKETS = (1, 2, 5, 10, 30, 60, 300, 1800, 3600, 86_400, 604_800)


def creator_zone() -> str:
    return getattr(connection.tenant, "timezone", "") or "UTC"


def reply_bucket(seconds: float) -> str:
    for limit in REPLY_BUCKETS:
        if seconds < limit:
            return f"reply<{limit}"
    return "reply>=604800"


def _detail(kind: str, value: float | None, data: dict[str, Any]) -> str:
    if kind == Event.Kind.MESSAGE_OUT and value is not None:
        return reply_bucket(value)
    if kind == Event.Kind.STEP_SENT:
        return str(data.get("kind", ""))[:30]
    return ""


def rollups_update(*, now: datetime | None = None, batch: int = BATCH, reading: bool = False) -> int:
    """Count the events not counted yet (older than SETTLE); how many were counted.

    `reading`: called by a page or the API before it reads. It counts one batch at most and, when
    another update holds the rollups, counts nothing and lets the page read what is there: a
    reader never waits on a catch-up (the scheduler's sweep does the rest)."""
    now = now or clock.now()
    zone_name = creator_zone()
    counted = 0
    while True:
        with transaction.atomic():
            state = RollupState.objects.select_for_update(skip_locked=reading).order_by("pk").first()
            if state is None:
                if reading and RollupState.objects.exists():
                    return counted  # another update is at work
                state = RollupState.objects.create(timezone=zone_name)
            if state.timezone != zone_name:
                _reset(state, zone_name)
            rows = list(
                Event.objects.filter(pk__gt=state.last_event_id, occurred_at__lt=now - SETTLE)
                .order_by("pk")
                .values_list("pk", "kind", "occurred_at", "outlet", "author", "value", "data", "contact_id")[:batch]
            )
            if not rows:
                return counted
            _add(rows, ZoneInfo(zone_name))
            state.last_event_id, state.updated_at = rows[-1][0], now
            state.save(update_fields=["last_event_id", "updated_at", "timezone"])
        counted += len(rows)
        if len(rows) < batch or reading:
            return counted


def rollups_rebuild(*, now: datetime | None = None) -> int:
    """Everything counted again from the stream (after a fix, or to check the increments)."""
    with transaction.atomic():
        state = RollupState.objects.select_for_update().order_by("pk").first() or RollupState.objects.create()
        _reset(state, creator_zone())
        state.save()
    return rollups_update(now=now)


def _reset(state: RollupState, zone_name: str) -> None:
    DayCount.objects.all().delete()
    DayPerson.objects.all().delete()
    state.last_event_id, state.timezone = 0, zone_name


def _add(rows: list[tuple], zone: ZoneInfo) -> None:
    counts: Counter = Counter()
    sums: dict[tuple, float] = defaultdict(float)
    people: set[tuple] = set()
    for _pk, kind, occurred_at, outlet, author, value, data, contact_id in rows:
        day = occurred_at.astimezone(zone).date()
        key = (day, kind, outlet or "", author or "", _detail(kind, value, data or {}))
        counts[key] += 1
        sums[key] += value or 0.0
        if kind == Event.Kind.MESSAGE_IN and contact_id is not None:
            people.add((day, contact_id, outlet or ""))
    with connection.cursor() as cursor:
        table = DayCount._meta.db_table
        cursor.executemany(
            f"INSERT INTO {table} (day, kind, outlet, author, detail, count, value_sum) "  # noqa: S608 - our table
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (day, kind, outlet, author, detail) DO UPDATE SET "
            f"count = {table}.count + EXCLUDED.count, value_sum = {table}.value_sum + EXCLUDED.value_sum",
            [(*key, count, sums[key]) for key, count in counts.items()],
        )
        if people:
            cursor.executemany(
                f"INSERT INTO {DayPerson._meta.db_table} (day, contact_id, outlet) "  # noqa: S608 - our table
                "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                sorted(people),
            )
