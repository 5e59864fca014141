"""The hub's check-up page has one URL per thing it does: run every question, add one."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from coaching.models import CheckupQuestion
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_coach_runs_the_checkup_from_its_own_url(alpha, beta, outsider):
    page = client_for(alpha.creator, alpha.coach).post("/hub/checkup/run/")
    assert page.status_code == 200 and "0 of 0 passed" in page.content.decode()
    assert client_for(alpha.creator, alpha.analyst).post("/hub/checkup/run/").status_code == 403
    assert client_for(alpha.creator, outsider).post("/hub/checkup/run/").status_code == 403
    assert client_for(alpha.creator, beta.owner).post("/hub/checkup/run/").status_code == 403
    assert client_for(alpha.creator, alpha.coach).get("/hub/checkup/run/").status_code == 405


def test_a_coach_adds_a_checkup_question_from_its_own_url(alpha, beta, outsider):
    body = {"question": "How much protein?", "facts": "1.6 grams; every day"}
    assert client_for(alpha.creator, alpha.analyst).post("/hub/checkup/questions/", body).status_code == 403
    assert client_for(alpha.creator, outsider).post("/hub/checkup/questions/", body).status_code == 403
    assert client_for(alpha.creator, beta.owner).post("/hub/checkup/questions/", body).status_code == 403
    with tenant_context(alpha.creator):
        assert not CheckupQuestion.objects.exists()
    coach = client_for(alpha.creator, alpha.coach)
    response = coach.post("/hub/checkup/questions/", body)
    assert response.status_code == 302 and response["Location"] == "/hub/checkup/"
    with tenant_context(alpha.creator):
        assert CheckupQuestion.objects.get().required_facts == ["1.6 grams", "every day"]
    refused = coach.post("/hub/checkup/questions/", {"question": "Sleep?", "facts": " ; "}, follow=True)
    assert "List at least one fact" in refused.content.decode()
