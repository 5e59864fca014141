"""Server time of a grounded answer from the embedded composer (retrieval + composing), over the
labelled questions asked five times each, with the demo creator's documents indexed.

Usage: python bench/answer_latency.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from _setup import bench_creator, throwaway_platform

DB = "compa_bench_answers"


def main() -> None:
    with throwaway_platform(DB):
        run()


def run() -> None:
    from django_tenants.utils import tenant_context

    from config.demo import demo_documents_ingest_now
    from knowledge.answering import Voice, answer
    from knowledge.evaluation import labelled_questions

    creator = bench_creator()
    questions = [item["q"] for item in labelled_questions()]
    with tenant_context(creator):
        demo_documents_ingest_now()
        answer(questions[0], voice=Voice())  # load the model once, as a running worker has
        total_ms, retrieval_ms, compose_ms = [], [], []
        for _ in range(5):
            for question in questions:
                started = time.perf_counter()
                result = answer(question, voice=Voice())
                total_ms.append((time.perf_counter() - started) * 1000)
                retrieval_ms.append(result.timings_ms.get("retrieval", 0))
                compose_ms.append(result.timings_ms.get("compose", 0))
    for name, values in (("answer (total)", total_ms), ("retrieval", retrieval_ms), ("composing", compose_ms)):
        print(
            f"{name:15} n={len(values)} p50 {statistics.median(values):.0f} ms  p95 {np.percentile(values, 95):.0f} ms"
        )


if __name__ == "__main__":
    main()
