"""Unpinning an answer has its own URL: a coach does it; an analyst, an outsider and another
creator's owner cannot."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from knowledge.models import CuratedAnswer
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_coach_unpins_an_answer_and_no_one_else_can(alpha, beta, outsider):
    with tenant_context(alpha.creator):
        pinned = CuratedAnswer.objects.create(question="Do you coach online?", answer="Yes, by video.")
    path = f"/hub/knowledge/pinned/{pinned.pk}/delete/"
    assert client_for(alpha.creator, alpha.analyst).post(path).status_code == 403
    assert client_for(alpha.creator, outsider).post(path).status_code == 403
    assert client_for(alpha.creator, beta.owner).post(path).status_code == 403
    assert client_for(beta.creator, beta.owner).post(path).status_code == 302  # nothing of alpha's there
    with tenant_context(alpha.creator):
        assert CuratedAnswer.objects.filter(pk=pinned.pk).exists()
    assert client_for(alpha.creator, alpha.coach).get(path).status_code == 405
    response = client_for(alpha.creator, alpha.coach).post(path)
    assert response.status_code == 302 and response["Location"] == "/hub/knowledge/pinned/"
    with tenant_context(alpha.creator):
        assert not CuratedAnswer.objects.filter(pk=pinned.pk).exists()
    assert client_for(alpha.creator, alpha.coach).post(path).status_code == 302, "gone already is done"
