"""Quality against labelled sets: retrieval (recall@1, recall@5, MRR) and whole answers.

Used by bench/retrieval_quality.py and bench/conversation_quality.py (the reported figures) and by
tests that keep floors. For retrieval a question counts as found at rank r when the r-th hit is
from the expected document and contains the expected fact. For answers see evaluate_conversation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from knowledge.selectors import knowledge_search

DEMO_CONTENT = Path(__file__).resolve().parent.parent / "config" / "demo_content"
BENCH_DATA = Path(__file__).resolve().parent.parent / "bench" / "data"


def labelled_questions() -> list[dict[str, Any]]:
    return json.loads((DEMO_CONTENT / "questions.json").read_text(encoding="utf-8"))


def evaluate_retrieval(
    questions: list[dict[str, Any]], document_ids: dict[str, str], k: int = 5, mode: str = "hybrid"
) -> dict[str, Any]:
    """document_ids maps a demo file name to the id of the document made from it; mode is
    knowledge_search's ("hybrid", or "dense" for the dense-only baseline)."""
    groups: dict[str, list[int | None]] = defaultdict(list)
    misses = []
    for item in questions:
        hits = knowledge_search(query=item["q"], k=k, mode=mode)
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


def conversation_set(path: Path | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The labelled conversation turns: (setup, turns). The first line is the setup (extra
    documents under bench/data, corrections to make); each other line one turn with what the
    reply must contain (`must`, "a|b" for either) and must not (`must_not`); `unknown` turns
    must get the honest "I don't know"."""
    lines = (path or BENCH_DATA / "conversation_quality.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return rows[0]["setup"], rows[1:]


def conversation_material_ingest_now(setup: dict[str, Any]) -> dict[str, str]:
    """The set's own documents and its corrections, in the current creator (the caller ingests the
    demo material first: config.demo.demo_documents_ingest_now)."""
    from django.core.files import File

    from knowledge.services import curated_answer_from_correction, document_ingest, document_upload

    ids: dict[str, str] = {}
    for name in setup.get("documents", []):
        path = BENCH_DATA / name
        title = path.stem.replace("-", " ").capitalize()
        if path.suffix == ".md":
            title = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        with path.open("rb") as handle:
            document, _ = document_upload(upload=File(handle, name=path.name), title=title)
        document_ingest(document_id=str(document.id))
        ids[name] = str(document.id)
    for correction in setup.get("corrections", []):
        curated_answer_from_correction(question=correction["question"], answer=correction["answer"])
    return ids


def judge(turn: dict[str, Any], text: str, grounded: bool) -> tuple[bool, bool]:
    """(right, wrong fact). A grounded reply that is not right quoted something that does not
    answer: that is a wrong fact, and so is any grounded reply to a question outside the material."""
    lowered = text.casefold()
    if turn.get("unknown"):
        return not grounded, grounded
    right = grounded and all(any(option.casefold() in lowered for option in must.split("|")) for must in turn["must"])
    right = right and not any(banned.casefold() in lowered for banned in turn.get("must_not", []))
    return right, grounded and not right


def evaluate_conversation(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """Each turn through the real answer path (embedded composer unless Ollama is configured)."""
    from knowledge.answering import Person, Turn, Voice, answer

    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    failures = []
    for turn in turns:
        if turn.get("skip"):
            continue
        reply = answer(
            turn["q"],
            voice=Voice(),
            history=[Turn(author, text) for author, text in turn.get("history", [])],
            person=Person(facts=tuple(turn.get("facts", []))),
        )
        right, wrong = judge(turn, reply.text, reply.grounded)
        for name in ("all", turn["group"]):
            groups[name].append((right, wrong))
        if not right:
            failures.append({"id": turn["id"], "q": turn["q"], "reply": reply.text[:300], "wrong_fact": wrong})
    report: dict[str, Any] = {
        name: {
            "n": len(results),
            "right": round(sum(r for r, _ in results) / len(results), 3),
            "wrong_fact": round(sum(w for _, w in results) / len(results), 3),
        }
        for name, results in groups.items()
    }
    report["failures"] = failures
    return report
