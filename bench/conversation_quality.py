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


if __name__ == "__main__":
    main()
