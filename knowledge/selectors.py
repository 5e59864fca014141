from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from knowledge import vectors
from knowledge.models import AnswerPolicy, CuratedAnswer, Document
from tenants.scope import creator_schema

LANGUAGES = ("en", "es")
DENSE_POOL = 20
DENSE_PER_LANGUAGE = 8
LEXICAL_POOL = 10
CURATED_CROSS_LINGUAL_MARGIN = 0.05


def documents_list() -> QuerySet[Document]:
    return Document.objects.order_by("-created_at")


def document_get(document_id: Any) -> Document | None:
    try:
        return Document.objects.filter(pk=document_id).first()
    except ValidationError:  # not a UUID: simply not found
        return None


def knowledge_search(
    *,
    query: str,
    k: int = 5,
    vector: list[float] | None = None,
    language: str | None = None,
    mode: str = "hybrid",
    extra_terms: str = "",
) -> list[dict[str, Any]]:
    """The current creator's best chunks for a question, best first.

    Hybrid by default: dense e5 candidates, taken per language as well as overall so that a
    question in one language still sees the best passages of the other, plus the creator's BM25
    index (knowledge.lexical), fused by knowledge.ranking. `language` is the person's: among
    passages that answer equally well it puts theirs first. `extra_terms` (what the person told the
    coach about themselves) only widen the lexical query. `mode="dense"` is the dense-only
    baseline the benchmark compares against. Each hit's `score` is its raw cosine similarity.
    """
    from knowledge.language import detect_language
    from knowledge.ranking import fuse

    schema = creator_schema()  # before the embedding: from `public` this fails at once
    if vector is None:
        from knowledge.embeddings import get_embeddings  # the model loads on first search, not at start-up

        vector = get_embeddings().embed_query(query)
    pool = max(k, DENSE_POOL)
    found: dict[str, dict[str, Any]] = {}
    for hit in vectors.query(schema, vector, pool):
        found[hit["id"]] = hit
    if mode == "hybrid" and len(found) >= pool:  # else the pool already holds the whole collection
        for chunk_language in LANGUAGES:
            held = sum(1 for hit in found.values() if hit["metadata"].get("language") == chunk_language)
            if held >= DENSE_PER_LANGUAGE:
                continue
            for hit in vectors.query(schema, vector, DENSE_PER_LANGUAGE, where={"language": chunk_language}):
                found.setdefault(hit["id"], hit)
    query_language = detect_language(query, default=language or "en")
    if mode == "hybrid":
        # Passages in the other language are also scored against the question's word-for-word
        # gloss (knowledge.lexicon), kept as `gloss_score` beside the raw cosine: e5-small scores
        # "siesta" against a passage about naps far below "nap", and the gloss closes most of that
        # gap without lifting unrelated passages. It only decides whether a passage is relevant
        # enough to answer from (the "I don't know" threshold), never the ranking.
        glossed = gloss_vector(query, query_language)
        if glossed is not None:
            other = "es" if query_language == "en" else "en"
            for hit in vectors.query(schema, glossed, DENSE_PER_LANGUAGE, where={"language": other}):
                found.setdefault(hit["id"], {**hit, "score": 0.0})["gloss_score"] = hit["score"]
    lexical: dict[str, float] = {}
    if mode == "hybrid":
        from knowledge.lexical import lexical_search

        lexical = dict(lexical_search(schema, f"{query} {extra_terms}".strip(), LEXICAL_POOL))
        missing = [chunk_id for chunk_id in lexical if chunk_id not in found]
        for hit in vectors.chunks_by_id(schema, missing, vector):  # ids gone from Chroma simply drop out
            found[hit["id"]] = hit
    hits = [
        {
            "id": hit["id"],
            "document": hit["metadata"].get("document_id"),
            "title": hit["metadata"].get("title", ""),
            "page": hit["metadata"].get("page") or None,
            "section": hit["metadata"].get("section", ""),
            "headings": hit["metadata"].get("headings", ""),
            "chunk": hit["metadata"].get("chunk"),
            "language": hit["metadata"].get("language", ""),
            "score": hit["score"],
            "gloss_score": hit.get("gloss_score", 0.0),
            "text": hit["text"],
        }
        for hit in found.values()
    ]
    ranked = fuse(
        hits,
        lexical,
        query_language=query_language,
        person_language=language,
        use_lexical=mode == "hybrid",
        calibrate=mode == "hybrid",
    )
    return ranked[:k]


def gloss_vector(query: str, query_language: str) -> list[float] | None:
    """The embedding of the question's gloss in the other language, None when the lexicon knows
    none of its words (cached: sentence choice asks for it again)."""
    from knowledge.embeddings import embedding_model_name
    from knowledge.lexicon import gloss

    glossed = gloss(query, query_language)
    if glossed == gloss_identity(query):
        return None
    return _gloss_embedding(embedding_model_name(), glossed)


@lru_cache(maxsize=1024)
def _gloss_embedding(model: str, glossed: str) -> list[float]:
    """Keyed by the embedding model too: a vector of another model must never be reused."""
    from knowledge.embeddings import get_embeddings

    return get_embeddings().embed_query(glossed)


def gloss_identity(query: str) -> str:
    from knowledge.lexical import TOKEN, fold

    return " ".join(TOKEN.findall(fold(query)))


def answer_policy() -> AnswerPolicy:
    """The creator's thresholds; until someone saves them, the defaults (unsaved: reading never writes)."""
    return AnswerPolicy.objects.order_by("pk").first() or AnswerPolicy()


def curated_answers_list() -> QuerySet[CuratedAnswer]:
    return CuratedAnswer.objects.all()


def curated_answer_get(curated_id: Any) -> CuratedAnswer | None:
    try:
        return CuratedAnswer.objects.filter(pk=curated_id).first()
    except ValidationError:  # not a UUID: simply not found
        return None


def curated_answer_match(
    vector: list[float], threshold: float, language: str | None = None
) -> tuple[CuratedAnswer, float] | None:
    """The pinned answer whose question is closest to this one, if it is close enough.

    A question in another language than the pinned one (given `language`, the asker's) is held to
    a threshold CURATED_CROSS_LINGUAL_MARGIN lower: e5 puts a question and its translation at
    ~0.87-0.95, below the 0.92 default that same-language paraphrases clear (measured: "When
    should lights go out?" / "¿Cuándo se deben apagar las luces?" 0.89, "Are there showers at the
    studio?" / "¿Hay duchas en el estudio?" ~0.87, "How do I cancel my membership?" / "¿Cómo
    cancelo mi membresía?" 0.95), while unrelated questions across languages stay under ~0.80.
    """
    import numpy as np

    from knowledge.language import detect_language

    rows = list(CuratedAnswer.objects.values_list("id", "question", "question_vector"))
    rows = [row for row in rows if len(row[2]) == len(vector)]
    if not rows:
        return None
    scores = np.asarray([row[2] for row in rows], dtype=np.float32) @ np.asarray(vector, dtype=np.float32)
    if language:
        scores += np.asarray(
            [CURATED_CROSS_LINGUAL_MARGIN * (detect_language(row[1], language) != language) for row in rows],
            dtype=np.float32,
        )
    best = int(scores.argmax())
    if float(scores[best]) < threshold:
        return None
    return CuratedAnswer.objects.get(pk=rows[best][0]), float(scores[best])
