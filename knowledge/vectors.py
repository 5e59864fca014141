"""The creator's vectors in Chroma: one collection per creator schema, never a shared one.

Every collection name goes through tenants.scope, so a call made from the public or the template
schema raises instead of reading or writing a `public_knowledge` collection.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from tenants.scope import creator_schema_checked


class VectorStoreUnavailable(Exception):
    """Chroma could not be reached; the work can be retried later."""


@lru_cache(maxsize=4)
def _client(url: str) -> Any:
    import chromadb
    from chromadb.config import Settings

    if not url:
        raise VectorStoreUnavailable("CHROMA_URL is not set")
    parts = urlsplit(url)
    return chromadb.HttpClient(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (443 if parts.scheme == "https" else 8000),
        ssl=parts.scheme == "https",
        settings=Settings(anonymized_telemetry=False),
    )


def client_ready() -> None:
    """Build the Chroma client ahead of the first search (its imports take ~0.5 s)."""
    _client(settings.CHROMA_URL)


def collection_name(schema_name: str) -> str:
    """The creator's collection; OutsideCreatorScope for `public` or the template schema."""
    return f"{creator_schema_checked(schema_name)}_knowledge"


def creator_collection(schema_name: str) -> Any:
    """Embeddings are always passed in: no embedding function, so Chroma never downloads one."""
    try:
        return _client(settings.CHROMA_URL).get_or_create_collection(
            name=collection_name(schema_name), embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
    except VectorStoreUnavailable:
        raise
    except Exception as exc:
        _client.cache_clear()
        raise VectorStoreUnavailable(f"vector store unreachable: {type(exc).__name__}") from exc


def upsert_chunks(
    schema_name: str, ids: list[str], vectors: list[list[float]], texts: list[str], metadatas: list[dict]
) -> None:
    try:
        creator_collection(schema_name).upsert(ids=ids, embeddings=vectors, documents=texts, metadatas=metadatas)
    except VectorStoreUnavailable:
        raise
    except Exception as exc:
        raise VectorStoreUnavailable(f"vector store write failed: {type(exc).__name__}: {exc}"[:300]) from exc


def delete_document_vectors(schema_name: str, document_id: str, keep_below: int = 0) -> None:
    """Remove a document's chunks; with keep_below, only those numbered from it upwards."""
    where: dict[str, Any] = {"document_id": document_id}
    if keep_below:
        where = {"$and": [{"document_id": document_id}, {"chunk": {"$gte": keep_below}}]}
    try:
        creator_collection(schema_name).delete(where=where)
    except VectorStoreUnavailable:
        raise
    except Exception as exc:
        raise VectorStoreUnavailable(f"vector store delete failed: {type(exc).__name__}") from exc


def count_document_vectors(schema_name: str, document_id: str) -> int:
    result = creator_collection(schema_name).get(where={"document_id": document_id}, include=[])
    return len(result["ids"])


# Collection handles for searches, kept per process: asking Chroma for the collection before every
# search was one more round trip on the chat's hot path. A handle gone stale (the collection was
# re-created by a re-index or purge in another process) fails once, is dropped and fetched again.
_search_handles: dict[tuple[str, str], Any] = {}


def _with_handle(schema_name: str, call: Any) -> Any:
    key = (settings.CHROMA_URL, creator_schema_checked(schema_name))
    for attempt in (1, 2):
        try:
            handle = _search_handles.get(key) or _search_handles.setdefault(key, creator_collection(schema_name))
            return call(handle)
        except VectorStoreUnavailable:
            raise
        except Exception as exc:
            _search_handles.pop(key, None)
            if attempt == 2:
                raise VectorStoreUnavailable(f"vector search failed: {type(exc).__name__}") from exc
    raise AssertionError("unreachable")


def query(schema_name: str, vector: list[float], k: int, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The k nearest chunks; `where` filters on metadata (e.g. {"language": "es"})."""
    result = _with_handle(
        schema_name,
        lambda handle: handle.query(
            query_embeddings=[vector], n_results=k, where=where, include=["documents", "metadatas", "distances"]
        ),
    )
    hits = []
    for chunk_id, text, metadata, distance in zip(
        result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True
    ):
        hits.append({"id": chunk_id, "text": text, "metadata": metadata, "score": round(1.0 - float(distance), 4)})
    return hits


def chunks_by_id(schema_name: str, ids: list[str], vector: list[float]) -> list[dict[str, Any]]:
    """The chunks with these ids, scored against `vector` like `query` scores them (cosine)."""
    import numpy as np

    if not ids:
        return []
    result = _with_handle(
        schema_name, lambda handle: handle.get(ids=ids, include=["documents", "metadatas", "embeddings"])
    )
    query_vector = np.asarray(vector, dtype=np.float32)
    hits = []
    for chunk_id, text, metadata, embedding in zip(
        result["ids"], result["documents"], result["metadatas"], result["embeddings"], strict=True
    ):
        chunk_vector = np.asarray(embedding, dtype=np.float32)
        norms = float(np.linalg.norm(chunk_vector) * np.linalg.norm(query_vector)) or 1.0
        score = float(chunk_vector @ query_vector) / norms
        hits.append({"id": chunk_id, "text": text, "metadata": metadata, "score": round(score, 4)})
    return hits


def all_chunks(schema_name: str) -> tuple[list[str], list[str]]:
    """Every chunk id and text of a creator (to build its lexical index)."""
    result = _with_handle(schema_name, lambda handle: handle.get(include=["documents"]))
    return list(result["ids"]), [text or "" for text in result["documents"]]


def drop_collection(schema_name: str) -> None:
    _search_handles.pop((settings.CHROMA_URL, schema_name), None)
    try:
        _client(settings.CHROMA_URL).delete_collection(collection_name(schema_name))
    except Exception as exc:
        raise VectorStoreUnavailable(f"could not drop collection: {type(exc).__name__}") from exc


def drop_collection_if_exists(schema_name: str) -> None:
    existing = {collection.name for collection in _client(settings.CHROMA_URL).list_collections()}
    if collection_name(schema_name) in existing:
        drop_collection(schema_name)
