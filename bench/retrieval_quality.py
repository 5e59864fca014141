"""Retrieval quality over the demo creator's documents (English and Spanish, some cross-lingual).

Usage: python bench/retrieval_quality.py
Ingests config/demo_content through the real pipeline (parser child, splitter, e5 embeddings,
Chroma) in a throwaway database, then reports recall@1, recall@5 and MRR per group (same-language
en, es, cross-lingual) for hybrid retrieval (dense + BM25, fused) and dense-only, side by side.
"""

from __future__ import annotations

import json
import os
import time

from _setup import bench_creator, throwaway_platform

MODES = ("dense", "hybrid")
DB = os.environ.get("BENCH_DB", "compa_bench_retrieval")


def main() -> None:
    with throwaway_platform(DB):
        run()


def run() -> None:
    from django_tenants.utils import tenant_context

    from config.demo import demo_documents_ingest_now
    from knowledge.evaluation import evaluate_retrieval, labelled_questions

    creator = bench_creator()
    with tenant_context(creator):
        started = time.perf_counter()
        document_ids = demo_documents_ingest_now()
        print(f"ingested {len(document_ids)} demo documents in {time.perf_counter() - started:.1f}s")
        reports = {mode: evaluate_retrieval(labelled_questions(), document_ids, mode=mode) for mode in MODES}
    for mode, report in reports.items():
        misses = report.pop("misses")
        print(f"{mode}:")
        for group, figures in report.items():
            print(f"  {group:14} n={figures['n']:2}  recall@1 {figures['recall@1']:.3f}  "
                  f"recall@5 {figures['recall@5']:.3f}  MRR {figures['mrr']:.3f}")  # fmt: skip
        print("  not first:", json.dumps(misses, ensure_ascii=False))


if __name__ == "__main__":
    main()
