"""The whole proactive loop on a messaging outlet, against a local Telegram Bot API: a deep link
enrolls, the first check-in arrives, the answer in words becomes a measurement, a reminder asked
for in Spanish is confirmed in Spanish and delivered at its time on the same chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from coaching.models import Enrollment, Measurement, Reminder, StepSend
from coaching.services.programs import goal_add, program_create, program_publish, step_add
from coaching.tasks import proactive_tick_now
from conversations.models import Contact

pytestmark = pytest.mark.django_db
CHAT = 5550042
MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def sleep_program(alpha):
    with tenant_context(alpha.creator):
        program = program_create(name="Dormir mejor")
        step_add(program=program, kind="check_in", day=0, at=None, text="¿Cuántas horas dormiste anoche?",
                 answer_type="number", unit="h", metric="sleep_hours")  # fmt: skip
        step_add(program=program, kind="check_in", day=1, at="08:00", text="¿Cuántas horas dormiste anoche?",
                 answer_type="number", unit="h", metric="sleep_hours")  # fmt: skip
        goal_add(program=program, metric="sleep_hours", target=7, comparison="at_least", window_days=7, times=2)
        program_publish(program=program)
        return program


def test_a_deep_link_enrolls_and_the_check_in_answer_in_words_becomes_a_measurement(
    alpha, telegram, bot, platform_for, jobs, clock, sleep_program
):
    clock.clock_set(datetime(2026, 12, 7, 10, 0, tzinfo=MADRID).astimezone(UTC))
    platform = platform_for(alpha.creator)
    platform.telegram(bot, telegram.update_text(CHAT, f"/start {sleep_program.code}"))
    jobs()
    texts = telegram.sent_texts(CHAT)
    assert any("Dormir mejor" in text for text in texts), texts
    assert "¿Cuántas horas dormiste anoche?" in texts, "the right-away check-in arrives at once"
    with tenant_context(alpha.creator):
        enrollment = Enrollment.objects.get()
        assert (enrollment.source, enrollment.outlet, enrollment.status) == ("telegram", "telegram", "active")
    platform.telegram(bot, telegram.update_text(CHAT, "unas siete y media"))
    jobs()
    with tenant_context(alpha.creator):
        measurement = Measurement.objects.get()
        assert (measurement.metric, measurement.value, measurement.unit) == ("sleep_hours", 7.5, "h")
        assert measurement.message.text == "unas siete y media"
    confirmation = telegram.sent_texts(CHAT)[-1]
    assert "7.5 h" in confirmation and "1 de 2" in confirmation, confirmation
    # The same update delivered twice: still one measurement.
    again = telegram.update_text(CHAT, "unas siete y media", message_id=991)
    platform.telegram(bot, again)
    platform.telegram(bot, again)
    jobs()
    with tenant_context(alpha.creator):
        assert Measurement.objects.count() == 1


def test_an_unreadable_answer_gets_one_clarifying_question_and_a_question_is_answered(
    alpha, telegram, bot, platform_for, jobs, clock, sleep_program
):
    clock.clock_set(datetime(2026, 12, 7, 10, 0, tzinfo=MADRID).astimezone(UTC))
    platform = platform_for(alpha.creator)
    platform.telegram(bot, telegram.update_text(CHAT, f"/start {sleep_program.code}"))
    jobs()
    platform.telegram(bot, telegram.update_text(CHAT, "más o menos"))
    jobs()
    assert "número" in telegram.sent_texts(CHAT)[-1], "one clarifying question, never a guessed number"
    platform.telegram(bot, telegram.update_text(CHAT, "¿qué ceno antes de dormir?"))
    jobs()
    with tenant_context(alpha.creator):
        assert not Measurement.objects.exists()
        send = StepSend.objects.get(step__day=0)
        assert send.ask_again_at is not None, "the check-in is asked again later"
    clock.clock_advance(timedelta(hours=3))
    proactive_tick_now()
    jobs()
    assert telegram.sent_texts(CHAT)[-1] == "¿Cuántas horas dormiste anoche?"
    clock.clock_advance(timedelta(hours=3))
    proactive_tick_now()
    jobs()
    assert telegram.sent_texts(CHAT).count("¿Cuántas horas dormiste anoche?") == 2, "asked again once only"


def test_a_reminder_asked_for_in_spanish_is_confirmed_and_delivered_at_its_time(
    alpha, telegram, bot, platform_for, jobs, clock
):
    clock.clock_set(datetime(2026, 12, 7, 21, 0, tzinfo=MADRID).astimezone(UTC))  # a Monday evening
    platform = platform_for(alpha.creator)
    platform.telegram(bot, telegram.update_text(CHAT, "Hola"))
    jobs()
    with tenant_context(alpha.creator):
        Contact.objects.update(phone="+34600111222")  # Spain: Europe/Madrid
    platform.telegram(bot, telegram.update_text(CHAT, "recuérdame mañana a las 7:30 que tengo que pesarme"))
    jobs()
    confirmation = telegram.sent_texts(CHAT)[-1]
    assert "mañana a las 07:30" in confirmation and "pesarme" in confirmation, confirmation
    with tenant_context(alpha.creator):
        reminder = Reminder.objects.get()
        assert reminder.due_at == datetime(2026, 12, 8, 7, 30, tzinfo=MADRID).astimezone(UTC)
    clock.clock_set(datetime(2026, 12, 8, 7, 29, tzinfo=MADRID).astimezone(UTC))
    proactive_tick_now()
    jobs()
    assert not [text for text in telegram.sent_texts(CHAT) if text.startswith("⏰")], "not a minute early"
    clock.clock_set(datetime(2026, 12, 8, 7, 30, tzinfo=MADRID).astimezone(UTC))
    proactive_tick_now()
    proactive_tick_now()  # a second scheduler
    jobs()
    delivered = [text for text in telegram.sent_texts(CHAT) if text.startswith("⏰")]
    assert delivered == ["⏰ Recordatorio: pesarme"], delivered
    platform.telegram(bot, telegram.update_text(CHAT, "mis recordatorios"))
    jobs()
    assert "No tienes recordatorios" in telegram.sent_texts(CHAT)[-1]


def test_a_person_lists_and_cancels_their_reminders_in_english(alpha, telegram, bot, platform_for, jobs, clock):
    clock.clock_set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    platform = platform_for(alpha.creator)
    for text in ("Remind me in 20 minutes to drink water", "remind me tomorrow at 18:00 to stretch"):
        platform.telegram(bot, telegram.update_text(CHAT, text, language_code="en"))
        jobs()
    assert "in 20 minutes" in telegram.sent_texts(CHAT)[-2]
    platform.telegram(bot, telegram.update_text(CHAT, "my reminders", language_code="en"))
    jobs()
    listing = telegram.sent_texts(CHAT)[-1]
    assert "1. drink water" in listing and "2. stretch" in listing, listing
    platform.telegram(bot, telegram.update_text(CHAT, "cancel reminder 2", language_code="en"))
    jobs()
    assert "stretch" in telegram.sent_texts(CHAT)[-1]
    with tenant_context(alpha.creator):
        assert list(Reminder.objects.order_by("due_at").values_list("status", flat=True)) == ["pending", "cancelled"]
