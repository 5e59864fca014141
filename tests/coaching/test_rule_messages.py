"""The message a rule sends when the coach writes it: the coach's own opening line for what
happened, then what the creator's material says about the program's topic, quoted with its source
(embedded); written in the coach's voice from those sources with Ollama; the opening line alone
when the material is unreachable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from coaching.services.programs import program_create
from coaching.services.rules import message_for, rule_create
from tests.conversations.test_chat_api import GUIDE
from tests.factories import ContactFactory, bearer, host
from tests.knowledge.samples import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide(knowledge, alpha, run_jobs):
    with run_jobs():
        Client(**host(alpha.creator)).post(
            "/api/v1/documents", {"file": upload("guide.pdf", GUIDE), "title": "Coaching guide"},
            **bearer(alpha.owner, alpha.creator),
        )  # fmt: skip
    return alpha


def sleep_rule():
    program = program_create(name="Sleep better", description="Hours of sleep every night and a steady bedtime.")
    return rule_create(name="Quiet sleepers", trigger="no_reply", days=3, program=program, action="ai_message")


def test_the_embedded_coach_opens_in_its_own_words_then_quotes_the_material_on_the_programs_topic(guide, clock):
    clock.clock_set(datetime(2026, 11, 2, 10, tzinfo=UTC))
    with tenant_context(guide.creator):
        rule = sleep_rule()
        text, citations = message_for(rule, ContactFactory(display_name="Ana López"), {"days": 3})
    opening, quote = text.split("\n\n")
    assert opening == "Hi Ana! It's been 3 days since we last talked. How are things going?"
    assert quote.startswith("From “Coaching guide”")
    assert "seven to nine hours of sleep" in quote, "the sleep passage, not protein or caffeine"
    assert citations and citations[0]["title"] == "Coaching guide"


def test_with_ollama_the_message_is_written_from_the_sources(guide, ollama, clock):
    guide_settings = guide
    from django.conf import settings

    settings.OLLAMA_BASE_URL = ollama.url
    try:
        with tenant_context(guide_settings.creator):
            text, citations = message_for(sleep_rule(), ContactFactory(display_name="Ana"), {"days": 3})
    finally:
        settings.OLLAMA_BASE_URL = ""
    assert text.startswith("According to your sources:") and "sleep" in text
    assert citations
    request = ollama.chats[-1]["messages"]
    assert "You write first" in request[0]["content"] and "<sources>" in request[-1]["content"]


def test_with_the_material_unreachable_the_opening_line_goes_alone(alpha, settings, clock):
    settings.CHROMA_URL = "http://127.0.0.1:9"
    with tenant_context(alpha.creator):
        text, citations = message_for(sleep_rule(), ContactFactory(display_name=""), {"days": 3})
    assert (text, citations) == ("Hi! It's been 3 days since we last talked. How are things going?", [])


def test_a_fixed_message_fills_in_the_first_name_only(alpha):
    with tenant_context(alpha.creator):
        rule = rule_create(name="Fixed", trigger="no_reply", days=2, action="fixed_message",
                           message="Hola {name}, ¿seguimos?")  # fmt: skip
        text, _ = message_for(rule, ContactFactory(display_name="Ana María López"), {})
        anonymous, _ = message_for(rule, ContactFactory(display_name="Visitor", anonymous=True), {})
    assert text == "Hola Ana, ¿seguimos?"
    assert anonymous == "Hola, ¿seguimos?", "no name: no dangling space"


def test_a_person_who_speaks_spanish_gets_the_coachs_words_in_spanish(alpha, settings):
    settings.CHROMA_URL = "http://127.0.0.1:9"
    with tenant_context(alpha.creator):
        text, _ = message_for(sleep_rule(), ContactFactory(display_name="Marta Ruiz", language="es"), {"days": 4})
    assert text == "¡Hola, Marta! Hace 4 días que no hablamos. ¿Cómo te va?"


def test_one_day_of_silence_is_said_in_the_singular(alpha, settings):
    settings.CHROMA_URL = "http://127.0.0.1:9"
    with tenant_context(alpha.creator):
        spanish, _ = message_for(sleep_rule(), ContactFactory(display_name="Marta", language="es"), {"days": 1})
        english, _ = message_for(sleep_rule(), ContactFactory(display_name="Emma", language="en"), {"days": 1})
    assert spanish == "¡Hola, Marta! Hace 1 día que no hablamos. ¿Cómo te va?"
    assert english == "Hi Emma! It's been 1 day since we last talked. How are things going?"
