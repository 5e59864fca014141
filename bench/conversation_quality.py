"""Whole answers over a labelled conversation set (bench/data/conversation_quality.jsonl).

Usage: python bench/conversation_quality.py
Ingests config/demo_content plus the set's own documents (bench/data) through the real pipeline in
a throwaway database, pins the set's corrections through the correction service, then asks every
turn (English, Spanish, cross-lingual, with remembered facts, outside the material, pinned) and
reports per group the share of replies right and the share that quoted a wrong fact.
"""

from __future__ import annotations

import json
import os
import time

from _setup import bench_creator, throwaway_platform

DB = os.environ.get("BENCH_DB", "compa_bench_conversation")


def main() -> None:
    with throwaway_platform(DB):
        run()


def run() -> None:
    from django_tenants.utils import tenant_context

    from config.demo import demo_documents_ingest_now
    from knowledge.evaluation import conversation_material_ingest_now, conversation_set, evaluate_conversation

    setup, turns = conversation_set()
    creator = bench_creator()
    with tenant_context(creator):
        started = time.perf_counter()
        demo_documents_ingest_now()
        conversation_material_ingest_now(setup)
        print(f"material ready in {time.perf_counter() - started:.1f}s")
        report = evaluate_conversation(turns)
    failures = report.pop("failures")
    for group, figures in report.items():
        print(f"{group:8} n={figures['n']:3}  right {figures['right']:.3f}  wrong fact {figures['wrong_fact']:.3f}")
    print("not right:")
    for failure in failures:
        print(" ", json.dumps(failure, ensure_ascii=False))
    with tenant_context(creator):
        small_talk_report()


def small_talk_report() -> None:
    """Small talk runs through the real turn core (it is recognised there, before retrieval): the
    share of small-talk turns answered as such, and of questions wrongly taken for small talk."""
    from pathlib import Path

    from conversations.models import Contact, Conversation
    from conversations.services.turns import Turn, turn_run

    lines = (Path(__file__).parent / "data" / "small_talk.jsonl").read_text().splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    acts_right = acts_total = questions_right = questions_total = 0
    misses = []
    for case in cases:
        contact = Contact.objects.create(anonymous=True)
        turn = None
        for text in case["say"]:
            conversation = Conversation.objects.filter(contact=contact).first()
            turn = turn_run(
                Turn(
                    outlet="api",
                    text=text,
                    contact=contact,
                    conversation_id=str(conversation.pk) if conversation else None,
                )
            )
        got = turn.extra.get("act") if turn.answer and turn.answer.backend == "act" else None
        if case["act"] is None:
            questions_total += 1
            questions_right += got is None
        else:
            acts_total += 1
            acts_right += got == case["act"]
        if got != case["act"]:
            misses.append({"say": case["say"], "expected": case["act"], "got": got})
    print(f"small talk n={acts_total:3}  answered as such {acts_right / acts_total:.3f}")
    print(f"questions  n={questions_total:3}  not taken for small talk {questions_right / questions_total:.3f}")
    for miss in misses:
        print(" ", json.dumps(miss, ensure_ascii=False))


if __name__ == "__main__":
    main()
