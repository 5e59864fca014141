"""Questions are embedded as soon as they arrive, while they are stored and acknowledged, so the
answer does not wait for it. Kept apart from knowledge.embeddings so that importing this (the chat
consumer does, in the web process) loads no AI library until a question comes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

# Keyed by creator schema and text; the oldest are dropped.
_QUERY_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-embedding")
_prefetched: OrderedDict[tuple[str, str], Future] = OrderedDict()
_prefetched_lock = threading.Lock()
PREFETCH_KEEP = 256
_model_loading: Future | None = None


def _embed(text: str) -> list[float]:
    from knowledge.embeddings import get_embeddings

    return get_embeddings().embed_query(text)


def query_model_warm() -> None:
    """Load the embedding model in the background once chat starts in this process: the person is
    still typing, and the first question would otherwise wait for the load (~0.8 s for e5)."""
    global _model_loading
    with _prefetched_lock:
        if _model_loading is None:
            _model_loading = _QUERY_POOL.submit(_embed, "query warm-up")


def query_vector_prefetch(*, scope: str, text: str) -> None:
    with _prefetched_lock:
        if (scope, text) in _prefetched:
            return
        _prefetched[(scope, text)] = _QUERY_POOL.submit(_embed, text)
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
    return _embed(text)
