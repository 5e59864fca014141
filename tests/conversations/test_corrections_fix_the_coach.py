"""Correcting a reply fixes the coach: the next time the question comes, in either language, the
correction is the answer, word for word, with no note scaffolding around it."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from conversations import services
from conversations.services import turns
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def ask(text: str) -> turns.Turn:
    return turns.turn_run(turns.Turn(outlet="api", text=text, contact=ContactFactory()))


def test_a_correction_becomes_the_answer_in_both_languages(alpha, knowledge):
    with tenant_context(alpha.creator):
        first = ask("When should lights go out?")
        services.message_correct(message=first.reply, text="Lights out at 22:40, every night.", member=alpha.coach)
        again = ask("When should lights go out?")
        assert again.reply.text == "Lights out at 22:40, every night."
        assert again.answer.backend == "curated"
        spanish = ask("¿Cuándo debo apagar las luces?")
        assert spanish.reply.text == "Lights out at 22:40, every night."
        for turn in (again, spanish):
            assert "Question:" not in turn.reply.text and "Correction" not in turn.reply.text


def test_correcting_the_same_question_again_replaces_the_pinned_answer(alpha, knowledge):
    with tenant_context(alpha.creator):
        first = ask("How long should my nap be?")
        services.message_correct(message=first.reply, text="Twenty minutes at most.", member=alpha.coach)
        second = ask("How long should my nap be?")
        services.message_correct(message=second.reply, text="Twenty minutes, before 3 pm.", member=alpha.coach)
        assert ask("How long should my nap be?").reply.text == "Twenty minutes, before 3 pm."
