"""Top-5 query latency in one creator's Chroma collection at 10k and 100k chunks, through the
platform's own search path (HTTP to the Chroma server), next to a brute-force numpy baseline.

Usage: python bench/retrieval_latency.py [--sizes 10000 100000] [--queries 200]
Vectors are random unit vectors of the embedding's size (384): latency depends on count and size,
not on meaning, and 100k real embeddings would take ~90 minutes to compute here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from _setup import chroma_server

DIM = 384


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DRAMATIQ_BROKER_URL", "stub://")
    with chroma_server():
        import django

        django.setup()
        from knowledge import vectors

        rng = np.random.default_rng(7)
        for size in args.sizes:
            schema = f"bench_latency_{size}"
            vectors.drop_collection_if_exists(schema)
            data = rng.standard_normal((size, DIM), dtype=np.float32)
            data /= np.linalg.norm(data, axis=1, keepdims=True)
            started = time.perf_counter()
            for start in range(0, size, 5000):
                block = data[start : start + 5000]
                ids = [f"doc:{i}" for i in range(start, start + len(block))]
                meta = [
                    {"document_id": "doc", "chunk": i, "title": "t", "page": 0, "section": ""}
                    for i in range(len(block))
                ]
                vectors.upsert_chunks(schema, ids, block.tolist(), ["chunk text"] * len(block), meta)
            load_seconds = time.perf_counter() - started
            queries = rng.standard_normal((args.queries, DIM), dtype=np.float32)
            queries /= np.linalg.norm(queries, axis=1, keepdims=True)
            vectors.query(schema, queries[0].tolist(), 5)  # warm the collection
            chroma_ms, numpy_ms = [], []
            for query in queries:
                t0 = time.perf_counter()
                vectors.query(schema, query.tolist(), 5)
                chroma_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                scores = data @ query
                top = np.argpartition(-scores, 5)[:5]
                top[np.argsort(-scores[top])]
                numpy_ms.append((time.perf_counter() - t0) * 1000)
            print(
                f"{size:>7} chunks (loaded in {load_seconds:.0f}s): "
                f"chroma p50 {statistics.median(chroma_ms):.2f} ms p95 {percentile(chroma_ms, 95):.2f} ms | "
                f"numpy brute force p50 {statistics.median(numpy_ms):.2f} ms p95 {percentile(numpy_ms, 95):.2f} ms"
            )
            vectors.drop_collection(schema)


if __name__ == "__main__":
    main()
