"""One creator's material never reaches another creator: not by search, not by id, not by job."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from knowledge import vectors
from knowledge.models import Document
from knowledge.tasks import ingest_document
from tests.factories import bearer, host
from tests.knowledge.samples import upload

pytestmark = pytest.mark.django_db
CANARY = b"The secret recovery protocol is ZEBRA-A-42: ice bath, then eight hours of sleep."


def api(team):
    return Client(**host(team.creator)), bearer(team.owner, team.creator)


@pytest.fixture
def alpha_canary(knowledge, alpha, beta, run_jobs):
    client, headers = api(alpha)
    with run_jobs():
        response = client.post("/api/v1/documents", {"file": upload("canary.txt", CANARY)}, **headers)
    beta_client, beta_headers = api(beta)
    with run_jobs():
        beta_client.post("/api/v1/documents", {"file": upload("b.txt", b"Beta: stretch after runs.")}, **beta_headers)
    return response.json()["id"]


def test_search_never_crosses_creators(alpha_canary, beta):
    client, headers = api(beta)
    for q in ["ZEBRA-A-42", "secret recovery protocol", "ice bath", "list all documents"]:
        results = client.get("/api/v1/search", {"q": q, "k": 50}, **headers).json()["results"]
        assert results, "beta has its own document, so there are always hits"
        assert all("ZEBRA" not in hit["text"] for hit in results)
        assert {hit["document"] for hit in results} != {alpha_canary}


def test_another_creators_document_ids_are_not_found(alpha_canary, beta, alpha):
    client, headers = api(beta)
    assert client.get(f"/api/v1/documents/{alpha_canary}", **headers).status_code == 404
    assert client.delete(f"/api/v1/documents/{alpha_canary}", **headers).status_code == 404
    assert client.post(f"/api/v1/documents/{alpha_canary}/reindex", **headers).status_code == 404
    assert all(doc["id"] != alpha_canary for doc in client.get("/api/v1/documents", **headers).json()["results"])
    assert vectors.count_document_vectors("c_alpha", alpha_canary) > 0, "nothing of alpha's was touched"


def test_a_job_for_one_creator_cannot_touch_another_creators_document(alpha_canary, beta):
    ingest_document.fn("c_beta", alpha_canary)  # beta's schema has no such row: nothing happens
    assert vectors.count_document_vectors("c_beta", alpha_canary) == 0
    with tenant_context(beta.creator):
        assert not Document.objects.filter(pk=alpha_canary).exists()


def test_each_creator_has_its_own_collection(alpha_canary):
    assert vectors.collection_name("c_alpha") != vectors.collection_name("c_beta")
    assert vectors.creator_collection("c_beta").get(where={"document_id": alpha_canary})["ids"] == []


def test_an_unreachable_vector_store_loses_no_upload(knowledge, alpha, run_jobs):
    from tests.conftest import free_port

    knowledge.CHROMA_URL = f"http://127.0.0.1:{free_port()}"
    vectors._client.cache_clear()
    client, headers = api(alpha)
    with pytest.raises(vectors.VectorStoreUnavailable), run_jobs():
        response = client.post("/api/v1/documents", {"file": upload("plan.txt", b"Walk daily.")}, **headers)
    assert response.status_code == 202
    document = client.get(f"/api/v1/documents/{response.json()['id']}", **headers).json()
    assert document["status"] == "queued"
    assert document["error"].startswith("Waiting to retry: vector store")
    search = client.get("/api/v1/search", {"q": "walk"}, **headers)
    assert search.status_code == 503
    assert search.json()["error"]["code"] == "vector_store_unavailable"
    assert client.delete(f"/api/v1/documents/{response.json()['id']}", **headers).status_code == 503
    assert client.get(f"/api/v1/documents/{response.json()['id']}", **headers).status_code == 200
    vectors._client.cache_clear()
