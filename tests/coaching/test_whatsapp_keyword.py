"""A person joins a program by sending its keyword on WhatsApp; their timezone is guessed from the
number's country (Spain: Europe/Madrid) and the first step arrives on WhatsApp."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django_tenants.utils import tenant_context

from coaching.models import Enrollment
from coaching.services.programs import program_create, program_publish, step_add
from tests.conversations.outlets.conftest import PHONE_NUMBER_ID

pytestmark = pytest.mark.django_db
LUCIA = "34611222333"


def test_a_keyword_on_whatsapp_enrolls_in_the_numbers_country_timezone(
    alpha, whatsapp, number, platform_for, jobs, clock
):
    clock.clock_set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    with tenant_context(alpha.creator):
        program = program_create(name="Reto 21 días", keyword="reto21")
        step_add(program=program, kind="message", day=0, at=None, text="¡Empezamos! Hoy: 10 minutos de paseo.")
        step_add(program=program, kind="message", day=1, at="09:00", text="Día 2: 15 minutos.")
        program_publish(program=program)
    platform_for(alpha.creator).whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, LUCIA, "RETO21"))
    jobs()
    texts = whatsapp.sent_texts(PHONE_NUMBER_ID)
    assert any("Reto 21 días" in text for text in texts), texts
    assert "¡Empezamos! Hoy: 10 minutos de paseo." in texts
    with tenant_context(alpha.creator):
        enrollment = Enrollment.objects.get()
        assert (enrollment.timezone, enrollment.source) == ("Europe/Madrid", "whatsapp")
    platform_for(alpha.creator).whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, LUCIA, "reto21"))
    jobs()
    assert "Ya estás en Reto 21 días." in whatsapp.sent_texts(PHONE_NUMBER_ID)
    with tenant_context(alpha.creator):
        assert Enrollment.objects.count() == 1
