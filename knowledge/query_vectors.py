"""Questions are embedded as soon as they arrive, while they are stored and acknowledged, so the
answer does not wait for it. Kept apart from knowledge.embeddings so that importing this (the chat
consumer does, in the web process) loads no AI library until a question comes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

from tenants.scope import creator_schema_checked

# Keyed by creator schema (checked: never `public`) and text; the oldest are dropped.
_QUERY_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-embedding")
_prefetched: OrderedDict[tuple[str, str], Future] = OrderedDict()
_prefetched_lock = threading.Lock()
PREFETCH_KEEP = 256
_warming: Future | None = None


def _embed(text: str) -> list[float]:
    from knowledge.embeddings import get_embeddings

    return get_embeddings().embed_query(text)


def answer_path_warm() -> None:
    """Once per process, in the background, when chat starts here: load what the first answer needs
    while the person is still typing (see knowledge.answering.answer_path_load)."""
    global _warming
    with _prefetched_lock:
        if _warming is None:
            _warming = _QUERY_POOL.submit(_answer_path_load)


def _answer_path_load() -> None:
    from knowledge.answering import answer_path_load

    answer_path_load()


def query_vector_prefetch(*, scope: str, text: str) -> None:
    scope = creator_schema_checked(scope)
    with _prefetched_lock:
        if (scope, text) in _prefetched:
            return
        _prefetched[(scope, text)] = _QUERY_POOL.submit(_embed, text)
        while len(_prefetched) > PREFETCH_KEEP:
            _prefetched.popitem(last=False)


def query_vector(*, scope: str, text: str) -> list[float]:
    """The question's vector: the prefetched one when there is one, else computed now."""
    scope = creator_schema_checked(scope)
    with _prefetched_lock:
        future = _prefetched.pop((scope, text), None)
    if future is not None:
        try:
            return future.result()
        except Exception:  # noqa: S110 - computed again below, where an error is raised properly
            pass
    return _embed(text)
