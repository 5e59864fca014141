"""The dashboard's figures at 1,000,000 events (issue 17).

One creator (timezone Europe/Madrid) and --events events over 120 days: messages in and out on four
outlets from --people people, answers of each kind, check-ins sent and answered, nudges. Then:

(a) counting them all into the rollups (`rollups_rebuild`): its time, and events per second.
(b) the overview of the last 28 days and of the last 90 days (`analytics.reports.selectors.overview`),
    --runs times each: median and p95; next to it, in the same run, the same figures computed from
    the raw events (one GROUP BY over the event stream with the days cut in Madrid time, plus the
    distinct active people), median and p95.
(c) an update with nothing new, and with 1,000 new events: the cost of keeping the rollups warm.

Usage: python bench/analytics.py [--events 1000000] [--people 5000] [--runs 20]
Uses database compa_bench_analytics (dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from _setup import drop_database, fresh_database, production_settings

DB = "compa_bench_analytics"
END = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    production_settings()
    fresh_database(DB)
    try:
        run(args)
    finally:
        drop_database(DB)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def run(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import tenant_context

    from analytics.reports.selectors import overview
    from analytics.reports.services import rollups_rebuild, rollups_update
    from tenants.models import Creator, User
    from tenants.services import creator_create

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.events:,} events, {args.people:,} people")  # fmt: skip
    call_command("bootstrap_platform", verbosity=0)
    owner = User.objects.create_user(email="analytics@example.com", password="bench-password-123")
    creator = creator_create(owner=owner, name="Analytics", slug="analytics-bench")
    Creator.objects.filter(pk=creator.pk).update(timezone="Europe/Madrid")
    creator.timezone = "Europe/Madrid"
    with tenant_context(creator):
        started = time.perf_counter()
        seed(args.events, args.people)
        print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE analytics_event")
        started = time.perf_counter()
        counted = rollups_rebuild(now=END + timedelta(days=1))
        seconds = time.perf_counter() - started
        print(f"(a) rollups_rebuild: {counted:,} events in {seconds:.1f} s ({counted / seconds:,.0f} events/s)",
              flush=True)  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM analytics_daycount")
            rows = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM analytics_dayperson")
            people_rows = cursor.fetchone()[0]
        print(f"    rollup rows: {rows:,} day counts, {people_rows:,} day-people", flush=True)
        table = []
        for days in (28, 90):
            end = date(2026, 11, 30)
            start = end - timedelta(days=days - 1)
            rolled, raw = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                figures = overview(start=start, end=end)
                rolled.append(time.perf_counter() - started)
                started = time.perf_counter()
                raw_figures = from_raw_events(start, end)
                raw.append(time.perf_counter() - started)
            assert figures["active_people"] == raw_figures["active_people"], (figures["active_people"], raw_figures)
            assert sum(figures["messages_by_outlet"].values()) == raw_figures["messages"], raw_figures
            table.append((days, rolled, raw))
            print(f"(b) last {days} days: rollups median {ms(statistics.median(rolled))}, p95 {ms(p95(rolled))}; "
                  f"raw events median {ms(statistics.median(raw))}, p95 {ms(p95(raw))} "
                  f"({statistics.median(raw) / statistics.median(rolled):.0f}x)", flush=True)  # fmt: skip
        started = time.perf_counter()
        rollups_update(now=END + timedelta(days=1))
        idle = time.perf_counter() - started
        seed(1_000, args.people, start=END + timedelta(hours=1), span_days=0.01)
        started = time.perf_counter()
        added = rollups_update(now=END + timedelta(days=1))
        busy = time.perf_counter() - started
        print(f"(c) update with nothing new {ms(idle)}; with {added:,} new events {ms(busy)}")
    print(f"\n| figure (1 creator, {args.events:,} events) | rollups median / p95 | raw events median / p95 |")
    print("| --- | --- | --- |")
    for days, rolled, raw in table:
        print(f"| overview, last {days} days | {ms(statistics.median(rolled))} / {ms(p95(rolled))} | "
              f"{ms(statistics.median(raw))} / {ms(p95(raw))} |")  # fmt: skip


def from_raw_events(start: date, end: date) -> dict:
    """The same headline figures straight from the event stream (what the rollups save)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, outlet, author, count(*) FROM analytics_event "
            "WHERE (occurred_at AT TIME ZONE 'Europe/Madrid')::date BETWEEN %s AND %s GROUP BY 1, 2, 3",
            [start, end],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT count(DISTINCT contact_id) FROM analytics_event WHERE kind = 'message_in' "
            "AND (occurred_at AT TIME ZONE 'Europe/Madrid')::date BETWEEN %s AND %s",
            [start, end],
        )
        active = cursor.fetchone()[0]
    messages = sum(n for kind, _o, _a, n in rows if kind in ("message_in", "message_out"))
    return {"active_people": active, "messages": messages}


def seed(count: int, people: int, *, start: datetime | None = None, span_days: float = 120) -> None:
    from analytics.models import Event

    rng = random.Random(17)
    start = start or END - timedelta(days=span_days)
    contacts = [uuid.uuid5(uuid.NAMESPACE_URL, f"person-{n}") for n in range(people)]
    outlets = ["web", "app", "telegram", "whatsapp"]
    plan = (
        [("message_in", "user")] * 40 + [("message_out", "ai")] * 36 + [("message_out", "human")] * 4
        + [("answer_grounded", "")] * 10 + [("answer_unknown", "")] * 3 + [("answer_pinned", "")] * 2
        + [("step_sent", "")] * 3 + [("check_in_answered", "")] * 2
    )  # fmt: skip
    batch = []
    for n in range(count):
        kind, author = rng.choice(plan)
        at = start + timedelta(seconds=rng.random() * span_days * 86_400)
        value = rng.choice([0.8, 3.0, 4.0, 12.0, 45.0, 400.0]) if kind == "message_out" else None
        data = {"kind": "check_in"} if kind == "step_sent" else {}
        batch.append(Event(kind=kind, occurred_at=at, contact_id=rng.choice(contacts), outlet=rng.choice(outlets),
                           author=author, value=value, data=data))  # fmt: skip
        if len(batch) == 20_000 or n == count - 1:
            Event.objects.bulk_create(batch)
            batch = []


if __name__ == "__main__":
    main()
