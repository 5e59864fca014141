"""A correction pins the corrected answer for that question, in either language."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from knowledge.answering import Voice, answer
from knowledge.models import CuratedAnswer
from knowledge.services import curated_answer_from_correction

pytestmark = pytest.mark.django_db


def test_a_correction_pins_the_answer_and_matches_the_question_in_spanish(knowledge, alpha):
    with tenant_context(alpha.creator):
        curated_answer_from_correction(
            question="When should lights go out?", answer="Lights out at 22:40.", member_email="coach@example.com"
        )
        for question in ["When should lights go out?", "¿Cuándo se deben apagar las luces?"]:
            reply = answer(question, voice=Voice())
            assert reply.text == "Lights out at 22:40.", question
            assert reply.backend == "curated"
        assert answer("How do I cancel my membership?", voice=Voice()).backend != "curated"


def test_correcting_the_same_question_again_updates_the_pinned_answer(knowledge, alpha):
    with tenant_context(alpha.creator):
        curated_answer_from_correction(question="When should lights go out?", answer="At 22:30.")
        curated_answer_from_correction(question="when should lights go out?", answer="At 22:40.")
        assert list(CuratedAnswer.objects.values_list("answer", flat=True)) == ["At 22:40."]
        assert CuratedAnswer.objects.get().question_vector
