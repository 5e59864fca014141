from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from knowledge import vectors
from knowledge.models import AnswerPolicy, CuratedAnswer, Document
from tenants.scope import creator_schema


def documents_list() -> QuerySet[Document]:
    return Document.objects.order_by("-created_at")


def document_get(document_id: Any) -> Document | None:
    try:
        return Document.objects.filter(pk=document_id).first()
    except ValidationError:  # not a UUID: simply not found
        return None


def knowledge_search(*, query: str, k: int = 5, vector: list[float] | None = None) -> list[dict[str, Any]]:
    """The current creator's best chunks for a question, best first."""
    schema = creator_schema()  # before the embedding: from `public` this fails at once
    if vector is None:
        from knowledge.embeddings import get_embeddings  # the model loads on first search, not at start-up

        vector = get_embeddings().embed_query(query)
    hits = vectors.query(schema, vector, k)
    return [
        {
            "document": hit["metadata"].get("document_id"),
            "title": hit["metadata"].get("title", ""),
            "page": hit["metadata"].get("page") or None,
            "section": hit["metadata"].get("section", ""),
            "chunk": hit["metadata"].get("chunk"),
            "score": hit["score"],
            "text": hit["text"],
        }
        for hit in hits
    ]


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


def curated_answer_match(vector: list[float], threshold: float) -> tuple[CuratedAnswer, float] | None:
    """The pinned answer whose question is closest to this one, if it is close enough."""
    import numpy as np

    rows = list(CuratedAnswer.objects.values_list("id", "question_vector"))
    rows = [(pk, vec) for pk, vec in rows if len(vec) == len(vector)]
    if not rows:
        return None
    scores = np.asarray([vec for _, vec in rows], dtype=np.float32) @ np.asarray(vector, dtype=np.float32)
    best = int(scores.argmax())
    if float(scores[best]) < threshold:
        return None
    return CuratedAnswer.objects.get(pk=rows[best][0]), float(scores[best])
