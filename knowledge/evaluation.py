"""Retrieval quality against a labelled question set: recall@1, recall@5 and MRR.

Used by bench/retrieval_quality.py (the reported figure) and by a test that keeps a floor.
A question counts as found at rank r when the r-th hit is from the expected document and
contains the expected fact.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from knowledge.selectors import knowledge_search

DEMO_CONTENT = Path(__file__).resolve().parent.parent / "config" / "demo_content"


def labelled_questions() -> list[dict[str, Any]]:
    return json.loads((DEMO_CONTENT / "questions.json").read_text(encoding="utf-8"))


def evaluate_retrieval(questions: list[dict[str, Any]], document_ids: dict[str, str], k: int = 5) -> dict[str, Any]:
    """document_ids maps a demo file name to the id of the document made from it."""
    groups: dict[str, list[int | None]] = defaultdict(list)
    misses = []
    for item in questions:
        hits = knowledge_search(query=item["q"], k=k)
        rank = next(
            (
                position
                for position, hit in enumerate(hits, start=1)
                if hit["document"] == document_ids[item["doc"]] and item["fact"].lower() in hit["text"].lower()
            ),
            None,
        )
        group = "cross-lingual" if item.get("cross") else item["lang"]
        for name in ("all", group):
            groups[name].append(rank)
        if rank != 1:
            misses.append({"q": item["q"], "rank": rank})
    report = {name: metrics(ranks) for name, ranks in groups.items()}
    report["misses"] = misses
    return report


def metrics(ranks: list[int | None]) -> dict[str, float]:
    count = len(ranks)
    return {
        "n": count,
        "recall@1": round(sum(1 for r in ranks if r == 1) / count, 3),
        "recall@5": round(sum(1 for r in ranks if r is not None and r <= 5) / count, 3),
        "mrr": round(sum(1 / r for r in ranks if r) / count, 3),
    }
