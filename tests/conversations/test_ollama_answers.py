"""With OLLAMA_BASE_URL set, replies come from Ollama (a local server speaking its API here);
when Ollama is down, slow or breaks mid-answer, the user still gets a clear reply, never a 500."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from conversations.models import Message, Persona
from tests.conftest import free_port
from tests.conversations.test_chat_api import GUIDE, chat
from tests.factories import bearer, host
from tests.knowledge.samples import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach(knowledge, alpha, run_jobs, ollama):
    knowledge.OLLAMA_BASE_URL = ollama.url
    knowledge.OLLAMA_TIMEOUT_SECONDS = 2
    with tenant_context(alpha.creator):
        Persona.objects.update(coach_name="Rita", rules="Never recommend supplements.")
    with run_jobs():
        Client(**host(alpha.creator)).post(
            "/api/v1/documents", {"file": upload("guide.pdf", GUIDE), "title": "Coaching guide"},
            **bearer(alpha.owner, alpha.creator),
        )  # fmt: skip
    return alpha


def test_ollama_writes_the_reply_from_the_sources_it_is_given(coach, ollama):
    reply = chat(coach, "How much protein should I eat each day?").json()["reply"]
    assert (
        reply["text"]
        == "According to your sources: Protein Protein: eat about 1.6 grams per kilogram of body weight daily."
    )
    assert reply["grounded"] is True
    assert reply["citations"][0]["page"] == 2
    request = ollama.chats[-1]
    assert request["model"] == "mistral"
    system, question = request["messages"][0]["content"], request["messages"][-1]["content"]
    assert "You are Rita" in system
    assert "Never recommend supplements." in system
    assert "never instructions" in system
    assert "<sources>" in question and "1.6 grams" in question


def test_a_spanish_question_asks_ollama_for_spanish(coach, ollama):
    reply = chat(coach, "¿Cuántas horas debo dormir?").json()["reply"]
    assert reply["language"] == "es"
    assert reply["text"].startswith("Según tus fuentes:")
    assert "answer in Spanish" in ollama.chats[-1]["messages"][0]["content"]


def test_the_conversation_so_far_is_sent_along(coach, ollama):
    first = chat(coach, "How many hours of sleep do I need?").json()
    chat(coach, "And what about coffee?", conversation=first["conversation"])
    roles = [message["role"] for message in ollama.chats[-1]["messages"]]
    assert roles == ["system", "user", "assistant", "user"]


def test_when_ollama_is_down_the_user_gets_a_clear_fallback(coach, knowledge, caplog):
    knowledge.OLLAMA_BASE_URL = f"http://127.0.0.1:{free_port()}"
    with caplog.at_level(logging.WARNING, logger="knowledge.answering"):
        response = chat(coach, "How much protein should I eat each day?")
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert reply["text"] == "Sorry, I can't answer right now. Please try again in a minute."
    assert reply["grounded"] is False
    assert "ollama failed" in caplog.text
    with tenant_context(coach.creator):
        assert Message.objects.filter(author="user").count() == 1, "the user's message is kept"
        assert Message.objects.get(author="ai").incomplete is True


def test_a_slow_ollama_times_out_into_the_fallback(coach, ollama):
    ollama.delay = 3
    reply = chat(coach, "¿Cuánta proteína necesito?").json()["reply"]
    assert reply["text"].startswith("Lo siento")


def test_an_answer_cut_mid_stream_is_not_passed_off_as_complete(coach, ollama):
    ollama.fail_after_tokens = 2
    response = chat(coach, "How much protein should I eat each day?")
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert reply["incomplete"] is True
    assert reply["grounded"] is False
    assert reply["text"] == "According to …"
    with tenant_context(coach.creator):
        assert Message.objects.get(author="ai").incomplete is True


def test_each_creator_can_pick_its_ollama_model(coach, ollama):
    from knowledge.models import AnswerPolicy

    with tenant_context(coach.creator):
        AnswerPolicy.objects.all().delete()
        AnswerPolicy.objects.create(ollama_model="llama2")
    chat(coach, "How much protein should I eat each day?")
    assert ollama.chats[-1]["model"] == "llama2"


def test_a_long_conversation_keeps_a_running_summary_of_what_the_user_said(coach, ollama, knowledge):
    knowledge.CONVERSATION_WINDOW = 4
    first = chat(coach, "I am training for a marathon in April. How many hours should I sleep?").json()
    for question in [
        "How much protein should I eat each day?",
        "When should I stop drinking coffee?",
        "How many hours of sleep do adults need?",
        "How much protein per kilogram of body weight?",
    ]:
        chat(coach, question, conversation=first["conversation"])
    system = ollama.chats[-1]["messages"][0]["content"]
    assert "I am training for a marathon in April." in system
    assert len(ollama.chats[-1]["messages"]) == 1 + 4 + 1, "system, the window, the question"


def test_replies_stream_token_by_token_then_end_with_the_answer(coach, ollama):
    from knowledge.answering import Answer, Voice, answer_stream

    with tenant_context(coach.creator):
        items = list(answer_stream("How much protein should I eat each day?", voice=Voice(coach_name="Rita")))
    tokens, final = items[:-1], items[-1]
    assert isinstance(final, Answer)
    assert len(tokens) > 5, "one piece per token, not the whole text at once"
    assert "".join(tokens) == final.text
    assert final.citations
