"""Rules at scale (issue 16): one creator, --people people who each wrote once, --days ago.

(a) first look: `rules_evaluate` of one "no reply for 2 days" rule (fixed message, 10% holdout):
    every person fires once: time for the whole look, and per firing; next to a floor, the
    trigger's own read (`rule_firings`) alone.
(b) a second look at the same moment: nothing new fires; its time (the cost of looking every
    RULES_EVALUATE_MINUTES with nothing to do) — median of --rounds.
(c) the dry run (`rule_preview`, 7 days) of a second rule over the same people, median of --rounds.
(d) carrying out the due decisions (`rule_decisions_run`, a batch of PROACTIVE_BATCH, through the one
    outbound verb to the "app" outlet): sends per second, queries per send.

Usage: python bench/rules.py [--people 10000] [--rounds 5]
Uses database compa_bench_rules (dropped afterwards) and the stub broker.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from _setup import drop_database, fresh_database, production_settings

DB = "compa_bench_rules"
T = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # noon UTC: inside the default sending window


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    production_settings()
    fresh_database(DB)
    try:
        run(args)
    finally:
        from tenants import clock

        clock.clock_set(None)
        drop_database(DB)


def run(args) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django_tenants.utils import tenant_context

    from coaching.models import RuleDecision
    from coaching.rule_reports import rule_preview
    from coaching.services import rules as engine
    from coaching.triggers import rule_firings
    from tenants import clock
    from tenants.models import User
    from tenants.services import creator_create

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.people:,} people")  # fmt: skip
    call_command("bootstrap_platform", verbosity=0)
    owner = User.objects.create_user(email="rules@example.com", password="bench-password-123")
    clock.clock_set(T - timedelta(days=3))
    creator = creator_create(owner=owner, name="Rules", slug="rules-bench")
    engine.holdout_random = random.Random(16)
    with tenant_context(creator):
        seed(args.people, T - timedelta(days=3))
        rule = engine.rule_create(name="Quiet", trigger="no_reply", days=2, action="fixed_message",
                                  message="Hi {name}, how is it going?")  # fmt: skip
        preview_rule = engine.rule_create(name="Quiet 5", trigger="no_reply", days=5, action="fixed_message",
                                          message="Still there?", enabled=False)  # fmt: skip
        clock.clock_set(T)
        started = time.perf_counter()
        floor_rows = rule_firings(rule, now=T, until=T)
        floor = time.perf_counter() - started
        started = time.perf_counter()
        first = engine.rules_evaluate(now=T, batch=args.people + 1)
        first_seconds = time.perf_counter() - started
        held = RuleDecision.objects.filter(outcome="held_back").count()
        print(f"(a) first look: {first['fired']:,} fired in {first_seconds:.2f} s "
              f"({first_seconds / first['fired'] * 1000:.2f} ms per firing; {held:,} held back = "
              f"{held / first['fired']:.1%}); the trigger's read alone {floor * 1000:.0f} ms "
              f"({len(floor_rows):,} firings)", flush=True)  # fmt: skip
        again = []
        for _round in range(args.rounds):
            started = time.perf_counter()
            result = engine.rules_evaluate(now=T, batch=args.people + 1)
            again.append(time.perf_counter() - started)
            assert result["fired"] == 0, result
        print(f"(b) a look with nothing new, median of {args.rounds}: {statistics.median(again) * 1000:.0f} ms "
              f"(rounds {', '.join(f'{s * 1000:.0f}' for s in again)} ms)", flush=True)  # fmt: skip
        previews = []
        for _round in range(args.rounds):
            started = time.perf_counter()
            rows = rule_preview(preview_rule, now=T)
            previews.append(time.perf_counter() - started)
        print(f"(c) dry run of 7 days, median of {args.rounds}: {statistics.median(previews):.2f} s "
              f"({len(rows):,} rows)", flush=True)  # fmt: skip
        settings.DEBUG = True
        reset_queries()
        started = time.perf_counter()
        done = engine.rule_decisions_run(now=T, batch=settings.PROACTIVE_BATCH)
        seconds = time.perf_counter() - started
        queries = len(connection.queries)
        settings.DEBUG = False
        print(f"(d) one batch carried out: {done['sent']} sent in {seconds:.2f} s "
              f"({done['sent'] / seconds:.0f} sends/s, {queries / max(done['sent'], 1):.1f} queries per send)",
              flush=True)  # fmt: skip
        print("\n| what | figure |\n| --- | --- |")
        print(f"| first look, {first['fired']:,} firings decided | {first_seconds:.2f} s "
              f"({first_seconds / first['fired'] * 1000:.2f} ms each) |")  # fmt: skip
        print(f"| the trigger's read alone (floor) | {floor * 1000:.0f} ms |")
        print(f"| a look with nothing new (median) | {statistics.median(again) * 1000:.0f} ms |")
        print(f"| dry run, 7 days, {len(rows):,} rows (median) | {statistics.median(previews):.2f} s |")
        print(f"| carrying out a batch of {done['sent']} | {done['sent'] / seconds:.0f} sends/s, "
              f"{queries / max(done['sent'], 1):.1f} queries each |")  # fmt: skip


def seed(count: int, wrote_at: datetime) -> None:
    from conversations.models import Contact, Conversation, Message

    contacts = Contact.objects.bulk_create(
        [Contact(external_id=f"p{n}", display_name=f"Person {n}", preferred_outlet="app") for n in range(count)]
    )
    conversations = Conversation.objects.bulk_create([Conversation(contact=c, outlet="app") for c in contacts])
    Message.objects.bulk_create(
        [Message(conversation=c, author="user", text="hello", created_at=wrote_at) for c in conversations]
    )


if __name__ == "__main__":
    main()
