"""EMBEDDING_BACKEND=ollama:<model> embeds through Ollama's /api/embed instead of the built-in model."""

from __future__ import annotations

import pytest
from django.test import Client

from knowledge.embeddings import get_embeddings
from tests.factories import bearer, host
from tests.knowledge.samples import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def ollama_embeddings(knowledge, ollama):
    knowledge.OLLAMA_BASE_URL = ollama.url
    knowledge.EMBEDDING_BACKEND = "ollama:nomic-embed-text"
    get_embeddings.cache_clear()
    yield ollama
    get_embeddings.cache_clear()


def test_documents_and_questions_are_embedded_by_ollama(ollama_embeddings, alpha, run_jobs):
    client, headers = Client(**host(alpha.creator)), bearer(alpha.owner, alpha.creator)
    with run_jobs():
        created = client.post(
            "/api/v1/documents", {"file": upload("hours.txt", b"The studio opens at seven in the morning.")}, **headers
        ).json()
    document = client.get(f"/api/v1/documents/{created['id']}", **headers).json()
    assert document["status"] == "ready", document
    assert document["embedding_model"] == "ollama:nomic-embed-text"
    results = client.get("/api/v1/search", {"q": "when does the studio open"}, **headers).json()["results"]
    assert "seven in the morning" in results[0]["text"]
    assert "POST /api/embed" in ollama_embeddings.requests
