"""The lexical (BM25) index is per creator and follows every change to the library."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from knowledge.lexical import lexical_search
from knowledge.selectors import knowledge_search
from tests.factories import bearer, host
from tests.knowledge.samples import upload

pytestmark = pytest.mark.django_db


def api(team):
    return Client(**host(team.creator)), bearer(team.owner, team.creator)


def add(team, run_jobs, name: str, text: bytes) -> str:
    client, headers = api(team)
    with run_jobs():
        response = client.post("/api/v1/documents", {"file": upload(name, text)}, **headers)
    return response.json()["id"]


def test_it_never_returns_another_creators_chunks(knowledge, alpha, beta, run_jobs):
    canary = add(alpha, run_jobs, "canary.txt", b"The recovery protocol is ZEBRA-A-42: ice bath, then sleep.")
    add(beta, run_jobs, "b.txt", b"Beta: stretch after runs. Protocol for recovery: walk.")
    with tenant_context(alpha.creator):
        assert [chunk_id.split(":")[0] for chunk_id, _ in lexical_search("c_alpha", "ZEBRA-A-42", 10)] == [canary]
    with tenant_context(beta.creator):
        for query in ["ZEBRA-A-42", "recovery protocol ice bath", "zebra"]:
            found = lexical_search("c_beta", query, 50)
            assert all(not chunk_id.startswith(canary) for chunk_id, _ in found)
            assert all(hit["document"] != canary for hit in knowledge_search(query=query, k=50))


def test_it_follows_new_and_deleted_documents(knowledge, alpha, run_jobs):
    client, headers = api(alpha)
    first = add(alpha, run_jobs, "one.txt", b"The studio gate code is 4471.")
    with tenant_context(alpha.creator):
        assert lexical_search("c_alpha", "4471", 5)
        assert not lexical_search("c_alpha", "8080", 5)
    add(alpha, run_jobs, "two.txt", b"The back door code is 8080.")
    with tenant_context(alpha.creator):
        assert lexical_search("c_alpha", "8080", 5)
    assert client.delete(f"/api/v1/documents/{first}", **headers).status_code == 204
    with tenant_context(alpha.creator):
        assert not lexical_search("c_alpha", "4471", 5)


def test_an_exact_code_is_found_by_hybrid_search(knowledge, alpha, run_jobs):
    add(alpha, run_jobs, "codes.txt", b"Gate code: 4471.\n\nLocker code: 9313.\n\nWifi password: lemon-tree.")
    with tenant_context(alpha.creator):
        assert "9313" in knowledge_search(query="9313", k=1)[0]["text"]
