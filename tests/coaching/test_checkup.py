"""One click asks the coach every check-up question and shows which answers contain their facts."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.conversations.test_chat_api import GUIDE
from tests.factories import bearer, host
from tests.knowledge.samples import upload

pytestmark = pytest.mark.django_db


def test_the_checkup_reports_passes_and_missing_facts(knowledge, alpha, run_jobs):
    client, headers = Client(**host(alpha.creator)), bearer(alpha.coach, alpha.creator)
    with run_jobs():
        client.post("/api/v1/documents", {"file": upload("guide.pdf", GUIDE)}, **headers)
    for question, facts in [
        ("How much protein should I eat each day?", ["1.6 grams"]),
        ("How many hours of sleep do adults need?", ["seven to nine", "every night"]),
        ("What is the capital of France?", ["Paris"]),
    ]:
        created = client.post(
            "/api/v1/checkup/questions",
            {"question": question, "required_facts": facts},
            content_type="application/json",
            **headers,
        )
        assert created.status_code == 201
    report = client.post("/api/v1/checkup", **headers).json()
    assert (report["passed"], report["total"]) == (2, 3)
    failed = [result for result in report["results"] if not result["passed"]]
    assert failed[0]["question"] == "What is the capital of France?"
    assert failed[0]["missing_facts"] == ["Paris"]

    page = client_for(alpha.creator, alpha.owner).post("/hub/checkup/run/").content.decode()
    assert "2 of 3 passed" in page
    assert "Missing: Paris" in page


@pytest.mark.parametrize("body", [{"question": "q?", "required_facts": []}, {"question": "", "required_facts": ["x"]}])
def test_a_checkup_question_needs_a_question_and_facts(knowledge, alpha, body):
    response = Client(**host(alpha.creator)).post(
        "/api/v1/checkup/questions", body, content_type="application/json", **bearer(alpha.coach, alpha.creator)
    )
    assert response.status_code == 400
