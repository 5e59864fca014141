"""Creators write notes directly and pin approved answers; pinned answers win when a question is close."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import tenant_context

from knowledge import vectors
from knowledge.models import AnswerPolicy, CuratedAnswer, Document
from tests.conversations.test_chat_api import chat
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db


def api(team, role: str = "coach"):
    return Client(**host(team.creator)), bearer(team.member(role), team.creator)


def test_a_note_is_indexed_like_a_document(knowledge, alpha, run_jobs):
    client, headers = api(alpha)
    with run_jobs():
        response = client.post(
            "/api/v1/notes",
            {"title": "Studio hours", "text": "The studio opens at 7 am and closes at 9 pm on weekdays."},
            content_type="application/json",
            **headers,
        )
    assert response.status_code == 202
    reply = chat(alpha, "When does the studio open?").json()["reply"]
    assert "7 am" in reply["text"]
    assert reply["citations"][0]["title"] == "Studio hours"


@pytest.mark.parametrize("body", [{"title": "", "text": "x"}, {"title": "x"}, {"title": "x", "text": ["a"]}])
def test_a_note_needs_a_title_and_text(knowledge, alpha, body):
    client, headers = api(alpha)
    assert client.post("/api/v1/notes", body, content_type="application/json", **headers).status_code == 400


def test_a_pinned_answer_is_used_for_close_questions_and_counts_its_hits(knowledge, alpha):
    client, headers = api(alpha)
    created = client.post(
        "/api/v1/curated-answers",
        {"question": "How do I cancel my membership?", "answer": "Write to hola@example.com before the 25th."},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    for question in ["How can I cancel my membership?", "how do i cancel my membership"]:
        reply = chat(alpha, question).json()["reply"]
        assert reply["text"] == "Write to hola@example.com before the 25th."
        assert reply["citations"][0]["title"] == "Approved answer"
    assert chat(alpha, "What is the capital of France?").json()["reply"]["grounded"] is False
    listed = client.get("/api/v1/curated-answers", **headers).json()["results"]
    assert listed[0]["hits"] == 2


def test_the_match_threshold_is_per_creator(knowledge, alpha):
    client, headers = api(alpha)
    client.post(
        "/api/v1/curated-answers",
        {"question": "How do I cancel my membership?", "answer": "Write to us."},
        content_type="application/json",
        **headers,
    )
    with tenant_context(alpha.creator):
        AnswerPolicy.objects.all().delete()
        AnswerPolicy.objects.create(curated_match_score=0.999)
    assert chat(alpha, "How can I cancel my membership?").json()["reply"]["text"] != "Write to us."


def test_analysts_cannot_pin_answers_and_other_creators_cannot_see_them(knowledge, alpha, beta):
    client, headers = api(alpha, "analyst")
    body = {"question": "q?", "answer": "a"}
    assert client.post("/api/v1/curated-answers", body, content_type="application/json", **headers).status_code == 403
    owner_client, owner_headers = api(alpha, "owner")
    created = owner_client.post(
        "/api/v1/curated-answers", body, content_type="application/json", **owner_headers
    ).json()
    beta_client, beta_headers = api(beta, "owner")
    assert beta_client.get("/api/v1/curated-answers", **beta_headers).json()["results"] == []
    assert beta_client.delete(f"/api/v1/curated-answers/{created['id']}", **beta_headers).status_code == 404
    with tenant_context(alpha.creator):
        assert CuratedAnswer.objects.count() == 1


def test_reindexing_after_a_model_change_rebuilds_every_creators_vectors(knowledge, alpha, run_jobs):
    client, headers = api(alpha)
    with run_jobs():
        client.post(
            "/api/v1/notes", {"title": "Hours", "text": "Open at 7 am."}, content_type="application/json", **headers
        )
    with tenant_context(alpha.creator):
        document = Document.objects.get()
    with run_jobs() as jobs:
        call_command("reindex_knowledge", "--creator", "alpha")
    assert jobs == ["knowledge.tasks.ingest_document"]
    assert vectors.count_document_vectors("c_alpha", str(document.id)) == document.chunk_count


def test_the_hub_writes_notes_and_pins_answers(knowledge, alpha, run_jobs):
    from tests.conftest import client_for

    browser = client_for(alpha.creator, alpha.coach)
    with run_jobs():
        response = browser.post("/hub/knowledge/add/", {"title": "Studio hours", "text": "We open at 7 am."})
    assert response.status_code == 302
    assert "Studio hours is being read" in browser.get("/hub/knowledge/").content.decode()
    refused = browser.post("/hub/knowledge/add/", {"title": "", "text": ""}, follow=True).content.decode()
    assert "Give the note a title." in refused
    browser.post("/hub/knowledge/pinned/", {"question": "Do you have parking?", "answer": "Yes, free, behind the gym."})
    page = browser.get("/hub/knowledge/pinned/").content.decode()
    assert "Yes, free, behind the gym." in page
    assert chat(alpha, "Is there parking?").json()["reply"]["text"] == "Yes, free, behind the gym."
    assert client_for(alpha.creator, alpha.analyst).get("/hub/knowledge/pinned/").status_code == 403


def test_creators_tune_their_answer_thresholds_in_the_hub_and_api(knowledge, alpha, beta):
    from tests.conftest import client_for

    browser = client_for(alpha.creator, alpha.owner)
    assert (
        browser.post(
            "/hub/knowledge/settings/",
            {"min_source_score": "0.9", "curated_match_score": "0.95", "ollama_model": "llama2"},
        ).status_code
        == 302
    )
    client, headers = api(alpha)
    assert client.get("/api/v1/answer-policy", **headers).json() == {
        "min_source_score": 0.9,
        "curated_match_score": 0.95,
        "ollama_model": "llama2",
    }
    bad = client.patch("/api/v1/answer-policy", {"min_source_score": 3}, content_type="application/json", **headers)
    assert bad.status_code == 400
    assert "min_source_score" in bad.json()["error"]["fields"]
    analyst = client_for(alpha.creator, alpha.analyst)
    assert analyst.get("/hub/knowledge/settings/").status_code == 403
    beta_client, beta_headers = api(beta, "owner")
    assert beta_client.get("/api/v1/answer-policy", **beta_headers).json()["min_source_score"] == 0.82
