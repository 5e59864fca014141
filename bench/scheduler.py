"""The proactive scheduler under load (issue 15): the tick, the claim and two schedulers at once.

Every creator gets one published program and --enrollments active enrollments (a contact, an
"app" conversation, an enrollment and one StepSend each, written with bulk_create, not through
enrollment_create), and every StepSend is due at the same moment T; the clock (tenants.clock) is
stopped at T and each creator's wake-up row says T. Then:

(a) one tick, `proactive_tick_now()` on the stub broker: its time and the proactive_run messages it
    queued. The claim: each creator's `coaching.services.proactive._claim` (the query
    proactive_run_due uses, SELECT ... FOR UPDATE SKIP LOCKED, PROACTIVE_BATCH at a time, marking
    rows `sending`) in a loop until it claims nothing, creators one after another, nothing sent;
    next to a floor, a plain `SELECT id FROM stepsend WHERE status='pending' AND due_at <= T` per
    creator over the same rows. Rows are put back to pending (and vacuumed) between rounds. Each
    round also claims everything as one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
    LOCKED) RETURNING id` per batch (a candidate for _claim, not the product's code), and one
    creator's loop is timed by step (select, update, commit) with the select's plan mid-loop.
(b) two schedulers at once: two threads (each its own connection) run the claim loop over the
    same creators in the same order, started together; no id may be claimed twice and every row
    must be claimed. Then the whole send path: one creator with --sample due steps, and two threads
    each calling proactive_run_due until it has nothing more; every StepSend must have exactly
    one Message (and one Delivery). Then time and queries per send, one thread, 100 due steps.
(c) the tick's cost as creators grow: the median of --ticks ticks with 10 creators (all due), then
    with 1,000 creators of which the same 10 are due. The 990 others are Creator rows in the
    public schema without a schema (bulk_create skips provisioning): the tick reads only the
    public wake-up table, and nothing is sent to them.

Usage: python bench/scheduler.py [--creators 10] [--enrollments 10000] [--rounds 3] [--sample 2000]
Uses database compa_bench_scheduler (dropped afterwards) and the stub broker.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

from _setup import drop_database, fresh_database

DB = "compa_bench_scheduler"
T = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # 12:00 UTC: inside the default 08:00-21:00 window


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--creators", type=int, default=10)
    parser.add_argument("--enrollments", type=int, default=10_000, help="active enrollments (due steps) per creator")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the claim and of the floor")
    parser.add_argument("--sample", type=int, default=2000, help="due steps sent by two threads at once in (b)")
    parser.add_argument("--many", type=int, default=1000, help="creators for the tick's cost in (c)")
    parser.add_argument("--ticks", type=int, default=20)
    args = parser.parse_args()
    import secrets

    from cryptography.fernet import Fernet

    os.environ.update(
        DRAMATIQ_BROKER_URL="stub://",
        # Production settings (no query log per connection).
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    fresh_database(DB)
    try:
        run(args)
    finally:
        from tenants import clock

        clock.clock_set(None)
        drop_database(DB)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def run(args) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from tenants import clock
    from tenants.models import User
    from tenants.services import creator_create

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"PROACTIVE_BATCH={settings.PROACTIVE_BATCH}")  # fmt: skip
    call_command("bootstrap_platform", verbosity=0)
    owner = User.objects.create_user(email="scheduler@example.com", password="bench-password-123")
    clock.clock_set(T - timedelta(days=1))
    started = time.perf_counter()
    creators = [creator_create(owner=owner, name=f"S{i}", slug=f"sched-{i}") for i in range(args.creators)]
    print(f"{args.creators} creators provisioned in {time.perf_counter() - started:.1f}s", flush=True)
    started = time.perf_counter()
    for creator in creators:
        seed(creator, args.enrollments, prefix="a")
    total = args.creators * args.enrollments
    print(f"{total} enrollments with a due step written in {time.perf_counter() - started:.1f}s", flush=True)
    clock.clock_set(T)

    tick = tick_once(expected=args.creators)
    print(f"\n(a) one tick: {ms(tick['seconds'])}, found {tick['found']} creators, queued {tick['queued']} "
          f"proactive_run messages", flush=True)  # fmt: skip
    print(f"claim query plan (first batch, one creator):\n{claim_plan(creators[0])}", flush=True)
    floors, claims, singles = [], [], []
    for number in range(args.rounds):
        reset(creators)
        floor_seconds, floor_rows = floor(creators)
        reset(creators)  # same state (vacuumed) for the claim as for the floor
        claim_seconds, claimed, batches = claim_all(creators)
        assert len(claimed) == total == floor_rows and len(set(claimed)) == total, (len(claimed), floor_rows)
        floors.append(floor_seconds)
        claims.append(claim_seconds)
        reset(creators)
        single_seconds, single_claimed, _ = claim_all_one_statement(creators)
        assert len(single_claimed) == total == len(set(single_claimed)), len(single_claimed)
        singles.append(single_seconds)
        print(f"round {number + 1}: floor {ms(floor_seconds)} ({floor_rows} ids); claim {ms(claim_seconds)} "
              f"({len(claimed)} in {batches} batches, {total / claim_seconds:,.0f} rows/s); "
              f"as one UPDATE "
              f"{ms(single_seconds)}", flush=True)  # fmt: skip

    reset(creators)
    profile = claim_profile(creators[0])
    print(f"one creator's claim loop, {profile['batches']} batches: seconds in all, median of the first 5 / "
          f"last 5 batches: " + "; ".join(f"{k} {v[0] * 1000:.0f} ms ({v[1] * 1000:.1f} / {v[2] * 1000:.1f} ms)"
                                           for k, v in profile["split"].items()), flush=True)  # fmt: skip
    print(f"claim select in the middle of the loop:\n{profile['middle']}", flush=True)
    reset(creators)
    two = two_claimers(creators)
    print(f"\n(b) two claim loops at once over {args.creators} creators: {ms(two['seconds'])}; claimed "
          f"{two['counts'][0]} + {two['counts'][1]} = {sum(two['counts'])} of {total}, "
          f"claimed twice: {two['twice']}, never claimed: {two['missing']}", flush=True)  # fmt: skip
    sample_creator = creator_create(owner=owner, name="Sample", slug="sched-sample")
    seed(sample_creator, args.sample, prefix="b")
    sends = two_senders(sample_creator, args.sample)
    single_creator = creator_create(owner=owner, name="Single", slug="sched-single")
    seed(single_creator, 100, prefix="c")
    single = send_profile(single_creator, 100)
    per_send = single["seconds"] / single["sent"] * 1000
    print(f"(b) one thread, proactive_run_due of 100 due steps: {per_send:.1f} ms and "
          f"{single['queries'] / single['sent']:.1f} queries per send ({single['queries']} queries)",
          flush=True)  # fmt: skip
    print(f"(b) proactive_run_due from two threads at once, 1 creator x {args.sample} due: {ms(sends['seconds'])} "
          f"({args.sample / sends['seconds']:.0f} sends/s); results {sends['results']}; StepSends with exactly one "
          f"Message {sends['one']}, with none {sends['none']}, with more {sends['more']}; "
          f"Messages {sends['messages']}, "
          f"Deliveries {sends['deliveries']}", flush=True)  # fmt: skip
    from django_tenants.utils import tenant_context

    from coaching.models import StepSend

    for extra in (sample_creator, single_creator):
        with tenant_context(extra):
            StepSend.objects.all().delete()
    from tenants.models import CreatorWakeUp

    CreatorWakeUp.objects.filter(creator__in=[sample_creator, single_creator]).delete()

    few = tick_median(creators, args.ticks)
    add_idle_creators(args.many - args.creators)
    many = tick_median(creators, args.ticks)
    print(f"\n(c) tick, median of {args.ticks}: {args.creators} creators (all due) {few['median'] * 1000:.2f} ms; "
          f"{args.many} creators ({args.creators} due) {many['median'] * 1000:.2f} ms "
          f"(p90 {few['p90'] * 1000:.2f} / {many['p90'] * 1000:.2f} ms)", flush=True)  # fmt: skip
    print(f"(c) tick query plan with {args.many} creators:\n{tick_plan()}")

    median_floor, median_claim = statistics.median(floors), statistics.median(claims)
    print(f"\n| what ({args.creators} creators x {args.enrollments:,} due = {total:,} rows) | each round | median |")
    print("| --- | --- | --- |")
    print(f"| one tick: find the due creators, queue one job each | {ms(tick['seconds'])} | |")
    print(f"| floor: plain indexed SELECT id of the due rows | {', '.join(ms(s) for s in floors)} "
          f"| **{ms(median_floor)}** |")  # fmt: skip
    print(f"| claim all due rows (_claim, batches of {settings.PROACTIVE_BATCH}, FOR UPDATE SKIP LOCKED) "
          f"| {', '.join(ms(s) for s in claims)} | **{ms(median_claim)}** "
          f"({median_claim / median_floor:.0f}x floor) |")  # fmt: skip
    print(f"| the same claim as one UPDATE ... RETURNING per batch (candidate) | {', '.join(ms(s) for s in singles)} "
          f"| **{ms(statistics.median(singles))}** |")  # fmt: skip
    print(f"| two claim loops at once | {ms(two['seconds'])} | claimed twice {two['twice']} |")
    print(f"\ntarget: all {total:,} claimed in under 10 s -> "
          f"{'met' if median_claim < 10 else 'NOT met'} ({ms(median_claim)})")  # fmt: skip


def seed(creator, count: int, *, prefix: str) -> None:
    """A published one-step program and `count` people enrolled in it, each with that step due at T."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from coaching.models import Enrollment, StepSend
    from coaching.services.programs import program_create, program_publish, step_add
    from conversations.models import Contact, Conversation
    from tenants.services import creator_wake_up_at

    with tenant_context(creator):
        program = program_create(name="Bench program")
        step = step_add(program=program, kind="message", day=0, at=None, text="Good morning from the bench.")
        program_publish(program=program)
        program.refresh_from_db()
        size = 2000
        for start in range(0, count, size):
            n = min(size, count - start)
            contacts = Contact.objects.bulk_create(
                [Contact(external_id=f"{prefix}-{start + i}", preferred_outlet="app") for i in range(n)]
            )
            Conversation.objects.bulk_create([Conversation(contact=c, outlet="app") for c in contacts])
            enrollments = Enrollment.objects.bulk_create(
                [Enrollment(contact=c, program=program, version_id=program.live_version_id, timezone="UTC",
                            outlet="app", source="bench", enrolled_at=T - timedelta(days=1)) for c in contacts]
            )  # fmt: skip
            StepSend.objects.bulk_create([StepSend(enrollment=e, step=step, due_at=T) for e in enrollments])
        with connection.cursor() as cursor:
            for table in ("conversations_contact", "conversations_conversation", "coaching_enrollment",
                          "coaching_stepsend"):  # fmt: skip
                cursor.execute(f"VACUUM ANALYZE {table}")
        creator_wake_up_at(creator_id=creator.pk, due_at=T)


def reset(creators) -> None:
    """Every step due and pending again, dead rows vacuumed, wake-ups at T."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from coaching.models import StepSend
    from tenants.services import creator_wake_up_at

    for creator in creators:
        with tenant_context(creator):
            StepSend.objects.update(status="pending", claimed_at=None, due_at=T)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE coaching_stepsend")
        creator_wake_up_at(creator_id=creator.pk, due_at=T)


def tick_once(expected: int) -> dict:
    import dramatiq

    from coaching.tasks import proactive_tick_now

    broker = dramatiq.get_broker()
    broker.flush_all()
    started = time.perf_counter()
    found = proactive_tick_now()
    seconds = time.perf_counter() - started
    queued = sum(q.qsize() for name, q in broker.queues.items() if name.startswith("proactive"))
    broker.flush_all()
    assert found == queued == expected, (found, queued, expected)
    return {"seconds": seconds, "found": found, "queued": queued}


def tick_median(creators, ticks: int) -> dict:
    from tenants.services import creator_wake_up_at

    for creator in creators:
        creator_wake_up_at(creator_id=creator.pk, due_at=T)
    tick_once(len(creators))  # warm
    times = sorted(tick_once(len(creators))["seconds"] for _ in range(ticks))
    return {"median": statistics.median(times), "p90": times[min(len(times) - 1, int(0.9 * len(times)))]}


def add_idle_creators(count: int) -> None:
    """Creators in the public schema only (no schema provisioned), each woken a day from now."""
    from tenants.models import Creator, CreatorWakeUp

    rows = Creator.objects.bulk_create(
        [Creator(name=f"Idle {i}", slug=f"idle-{i}", schema_name=f"c_idle_{i}") for i in range(count)]
    )
    CreatorWakeUp.objects.bulk_create(
        [CreatorWakeUp(creator=c, due_at=T + timedelta(hours=1 + i % 48)) for i, c in enumerate(rows)]
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE public.tenants_creator")
        cursor.execute("ANALYZE public.tenants_creatorwakeup")


def tick_plan() -> str:
    from django.db import connection

    from tenants.models import Creator, CreatorWakeUp

    rows = CreatorWakeUp.objects.filter(due_at__lte=T, creator__status=Creator.Status.ACTIVE)
    query = rows.order_by("due_at").values_list("creator_id", "creator__schema_name")[:10_000]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def floor(creators) -> tuple[float, int]:
    from django.db import connection
    from django_tenants.utils import tenant_context

    rows = 0
    elapsed = 0.0
    for creator in creators:
        with tenant_context(creator), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("SELECT id FROM coaching_stepsend WHERE status = 'pending' AND due_at <= %s", [T])
            rows += len(cursor.fetchall())
            elapsed += time.perf_counter() - started
    return elapsed, rows


def claim_loop(creator) -> tuple[list, int]:
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from coaching.models import Enrollment, StepSend
    from coaching.services.proactive import _claim

    claimed, batches = [], 0
    with tenant_context(creator):
        while True:
            ids = _claim(StepSend.objects.filter(enrollment__status=Enrollment.Status.ACTIVE), T,
                         settings.PROACTIVE_BATCH)  # fmt: skip
            batches += 1
            if not ids:
                return claimed, batches
            claimed.extend(ids)


ONE_STATEMENT = """
UPDATE coaching_stepsend SET status = 'sending', claimed_at = %(now)s WHERE id IN (
    SELECT s.id FROM coaching_stepsend s JOIN coaching_enrollment e ON e.id = s.enrollment_id
    WHERE e.status = 'active' AND ((s.status = 'pending' AND s.due_at <= %(now)s)
                                   OR (s.status = 'sending' AND s.claimed_at < %(stale)s))
    ORDER BY s.due_at LIMIT %(batch)s FOR UPDATE OF s SKIP LOCKED
) RETURNING id"""


def claim_all_one_statement(creators) -> tuple[float, list, int]:
    """The same claim as one UPDATE ... WHERE id IN (SELECT ... SKIP LOCKED) RETURNING id per batch
    (a candidate for _claim, not what the product runs)."""
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import tenant_context

    from coaching.services.proactive import CLAIM_STALE

    params = {"now": T, "stale": T - CLAIM_STALE, "batch": settings.PROACTIVE_BATCH}
    claimed, batches = [], 0
    started = time.perf_counter()
    for creator in creators:
        with tenant_context(creator), connection.cursor() as cursor:
            while True:
                cursor.execute(ONE_STATEMENT, params)
                ids = [row[0] for row in cursor.fetchall()]
                batches += 1
                if not ids:
                    break
                claimed.extend(ids)
    return time.perf_counter() - started, claimed, batches


def claim_all(creators) -> tuple[float, list, int]:
    claimed, batches = [], 0
    started = time.perf_counter()
    for creator in creators:
        ids, n = claim_loop(creator)
        claimed.extend(ids)
        batches += n
    return time.perf_counter() - started, claimed, batches


def claim_query():
    """The select _claim runs for steps (coaching.services.proactive), at T."""
    from django.conf import settings

    from coaching.models import Enrollment, StepSend

    due = StepSend.objects.filter(enrollment__status=Enrollment.Status.ACTIVE, status="pending", due_at__lte=T)
    due = due.order_by("due_at")
    return due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[
        : settings.PROACTIVE_BATCH
    ]


def claim_plan(creator) -> str:
    """EXPLAIN ANALYZE of _claim's select, first on fresh rows, then with half the rows already claimed."""
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from coaching.models import StepSend

    def plan() -> tuple[str, str]:
        with transaction.atomic(), connection.cursor() as cursor:
            sql, params = claim_query().query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + sql, params)
            return sql, "\n".join("    " + row[0] for row in cursor.fetchall())

    with tenant_context(creator):
        sql, fresh = plan()
        count = StepSend.objects.count()
        half = list(StepSend.objects.order_by("due_at", "pk").values_list("pk", flat=True)[: count // 2])
        StepSend.objects.filter(pk__in=half).update(status="sending", claimed_at=T)
        _sql, later = plan()
        StepSend.objects.update(status="pending", claimed_at=None)
    return f"  SQL: {sql}\n  fresh:\n{fresh}\n  with half ({count // 2}) already claimed (sending):\n{later}"


def claim_profile(creator) -> dict:
    """_claim's steps timed apart for one creator's loop (select, update, commit per batch), and the
    select's plan in the middle of the loop, with half the rows claimed the way the loop claims them."""
    from django.conf import settings
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from coaching.models import StepSend

    split = {"select": [], "update": [], "commit": []}
    middle = ""
    with tenant_context(creator):
        count = StepSend.objects.count()
        batch = 0
        while True:
            if batch == count // settings.PROACTIVE_BATCH // 2:
                with transaction.atomic(), connection.cursor() as cursor:
                    sql, params = claim_query().query.sql_with_params()
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + sql, params)
                    middle = "\n".join("    " + row[0] for row in cursor.fetchall())
            started = time.perf_counter()
            with transaction.atomic():
                ids = list(claim_query())
                selected = time.perf_counter()
                StepSend.objects.filter(pk__in=ids).update(status="sending", claimed_at=T)
                updated = time.perf_counter()
            committed = time.perf_counter()
            split["select"].append(selected - started)
            split["update"].append(updated - selected)
            split["commit"].append(committed - updated)
            batch += 1
            if not ids:
                break
    return {"split": {k: (sum(v), statistics.median(v[:5]), statistics.median(v[-6:-1])) for k, v in split.items()},
            "batches": batch, "middle": middle}  # fmt: skip


def send_profile(creator, count: int) -> dict:
    """One proactive_run_due of `count` due steps, one thread: time and queries per send."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from coaching.services.proactive import proactive_run_due

    connection.queries_log.clear()
    with tenant_context(creator), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        counts = proactive_run_due(batch=count)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "queries": len(queries), "sent": counts["sent"]}


def in_threads(target, count: int = 2) -> tuple[float, list]:
    """Run target(index) in `count` threads started together, each with its own connection."""
    from django.db import connection

    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return seconds, results


def two_claimers(creators) -> dict:
    def claim(_index: int) -> list:
        claimed = []
        for creator in creators:
            claimed.extend(claim_loop(creator)[0])
        return claimed

    seconds, results = in_threads(claim)
    both = results[0] + results[1]
    unique = set(both)
    from django_tenants.utils import tenant_context

    from coaching.models import StepSend

    expected = 0
    for creator in creators:
        with tenant_context(creator):
            expected += StepSend.objects.count()
    return {
        "seconds": seconds,
        "counts": [len(r) for r in results],
        "twice": len(both) - len(unique),
        "missing": expected - len(unique),
    }


def two_senders(creator, sample: int) -> dict:
    from collections import Counter

    from django_tenants.utils import tenant_context

    from coaching.models import StepSend
    from coaching.services.proactive import proactive_run_due
    from conversations.models import Delivery, Message

    def send(_index: int) -> Counter:
        totals: Counter = Counter()
        with tenant_context(creator):
            while True:
                counts = proactive_run_due()
                totals.update({k: v for k, v in counts.items() if k != "more"})
                if not counts["more"]:
                    return totals

    seconds, results = in_threads(send)
    with tenant_context(creator):
        ids = list(StepSend.objects.values_list("pk", "message_id"))
        messages = Message.objects.filter(conversation__outlet="app", author="ai").count()
        deliveries = Delivery.objects.filter(idempotency_key__startswith="step:").count()
        # Messages per StepSend: by the step's idempotency key on the delivery (one message each).
        keys = Counter(
            Delivery.objects.filter(idempotency_key__startswith="step:").values_list("idempotency_key", flat=True)
        )
        per = [keys.get(f"step:{pk}", 0) for pk, _ in ids]
        linked = sum(1 for _, message in ids if message is not None)
    return {
        "seconds": seconds,
        "results": [dict(r) for r in results],
        "one": sum(1 for n in per if n == 1),
        "none": sum(1 for n in per if n == 0),
        "more": sum(1 for n in per if n > 1),
        "messages": messages,
        "deliveries": deliveries,
        "linked": linked,
        "sample": sample,
    }


if __name__ == "__main__":
    main()
