"""How dense and lexical candidates become one ranking (pure functions, no store, no model).

Dense cosine scores from multilingual e5 run lower across languages than within one: on the demo
material a Spanish question scores the English passage that answers it ~0.02-0.05 below what the
same question in English would, so a Spanish passage on another topic could win on language
alone. Scores of passages in another language than the question's are raised by
CROSS_LINGUAL_BONUS (calibrated on bench/retrieval_quality.py's cross-lingual group) before
ranking; the raw cosine is kept as `score`, which the "I don't know" threshold reads.

BM25 adds what embeddings miss (exact words, names, numbers) through a bounded bonus: a chunk's
BM25 score s becomes LEXICAL_WEIGHT * s / (s + LEXICAL_HALF), so one shared common word moves a
chunk little and several rare shared words move it up to LEXICAL_WEIGHT.
"""

from __future__ import annotations

from typing import Any

CROSS_LINGUAL_BONUS = 0.025
LEXICAL_WEIGHT = 0.03
LEXICAL_HALF = 4.0
# Among passages that answer equally well, the one in the person's language comes first.
PERSON_LANGUAGE_BONUS = 0.004


def chunk_language(hit: dict[str, Any]) -> str:
    from knowledge.language import detect_language

    return hit.get("language") or detect_language(hit["text"])


def fuse(
    hits: list[dict[str, Any]],
    lexical: dict[str, float],
    *,
    query_language: str,
    person_language: str | None = None,
    use_lexical: bool = True,
    calibrate: bool = True,
) -> list[dict[str, Any]]:
    """The hits (each with id, text, score and language) ordered by `rank_score`, best first."""
    ranked = []
    for hit in hits:
        language = chunk_language(hit)
        rank_score = hit["score"]
        if calibrate and language != query_language:
            rank_score += CROSS_LINGUAL_BONUS
        if use_lexical:
            lexical_score = lexical.get(hit["id"], 0.0)
            rank_score += LEXICAL_WEIGHT * lexical_score / (lexical_score + LEXICAL_HALF)
        if person_language and language == person_language:
            rank_score += PERSON_LANGUAGE_BONUS
        ranked.append({**hit, "language": language, "rank_score": round(rank_score, 4)})
    ranked.sort(key=lambda hit: hit["rank_score"], reverse=True)
    return ranked
