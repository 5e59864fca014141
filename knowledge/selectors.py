from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet

from knowledge import vectors
from knowledge.models import Document


def documents_list() -> QuerySet[Document]:
    return Document.objects.order_by("-created_at")


def document_get(document_id: Any) -> Document | None:
    try:
        return Document.objects.filter(pk=document_id).first()
    except ValidationError:  # not a UUID: simply not found
        return None


def knowledge_search(*, query: str, k: int = 5) -> list[dict[str, Any]]:
    """The current creator's best chunks for a question, best first."""
    from knowledge.embeddings import get_embeddings  # the model loads on first search, not at start-up

    vector = get_embeddings().embed_query(query)
    hits = vectors.query(connection.schema_name, vector, k)
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
