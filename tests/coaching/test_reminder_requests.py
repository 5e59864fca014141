"""Reminders asked for in the person's own words, read into what and when (in UTC, from the time they
said in their own timezone), the commands that list and cancel them, and how the coach says when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coaching.reminder_requests import (
    ReminderCommand,
    ReminderRequest,
    reminder_command_read,
    reminder_request_read,
    reminder_when_words,
)

MADRID, MEXICO = "Europe/Madrid", "America/Mexico_City"
# A Wednesday morning in Madrid, a Wednesday evening in Mexico City, a Wednesday afternoon in UTC.
NOW = {
    MADRID: datetime(2026, 12, 9, 9, 0, tzinfo=ZoneInfo(MADRID)),
    MEXICO: datetime(2026, 12, 9, 20, 0, tzinfo=ZoneInfo(MEXICO)),
    "UTC": datetime(2026, 12, 9, 15, 30, tzinfo=UTC),
}


def local(timezone: str, *parts: int) -> datetime:
    """A wall-clock time in `timezone`, as the UTC moment the reader should return."""
    return datetime(*parts, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def read(text: str, timezone: str = MADRID, language: str = "en") -> ReminderRequest | None:
    return reminder_request_read(text, now=NOW[timezone], timezone=timezone, language=language)


# Wednesday 9 December 2026, 09:00 in Madrid.
IN_MADRID = [
    ("Remind me tomorrow at 8 to walk", "walk", "2026-12-10 08:00"),
    ("remind me in 20 minutes to drink water", "drink water", "2026-12-09 09:20"),
    ("recuérdame el lunes a las 7 que tengo que pesarme", "pesarme", "2026-12-14 07:00"),
    ("recuérdame mañana a las 9:30 llamar al médico", "llamar al médico", "2026-12-10 09:30"),
    ("can you remind me at 6pm to stretch?", "stretch", "2026-12-09 18:00"),
    ("avísame en 2 horas de tomar la pastilla", "tomar la pastilla", "2026-12-09 11:00"),
    ("remind me at 7 to run", "run", "2026-12-10 07:00"),
    ("remind me to drink water in 20 minutes", "drink water", "2026-12-09 09:20"),
    ("remind me 30 minutes from now to check the oven", "check the oven", "2026-12-09 09:30"),
    ("remind me in an hour and a half to eat", "eat", "2026-12-09 10:30"),
    ("avísame en media hora de sacar la ropa", "sacar la ropa", "2026-12-09 09:30"),
    ("recuérdame en 2 horas y media estirar", "estirar", "2026-12-09 11:30"),
    ("recuérdame dentro de una hora sacar al perro", "sacar al perro", "2026-12-09 10:00"),
    ("Remind me on 14 December at 9 to pay rent", "pay rent", "2026-12-14 09:00"),
    ("recuérdame el 14 de diciembre a las 9 pagar el alquiler", "pagar el alquiler", "2026-12-14 09:00"),
    ("recuérdame a las 7 de la tarde ir al gimnasio", "ir al gimnasio", "2026-12-09 19:00"),
    ("remind me tonight at 9 to read", "read", "2026-12-09 21:00"),
    ("remind me at 7 in the evening to cook", "cook", "2026-12-09 19:00"),
    ("recuérdame mañana por la mañana que tengo que correr", "correr", "2026-12-10 09:00"),
    # "de la mañana" here is part of the thing, not tomorrow.
    ("recuérdame a las 8 tomar la pastilla de la mañana", "tomar la pastilla de la mañana", "2026-12-10 08:00"),
    ("set a reminder for tomorrow at 10:15 to call the doctor", "call the doctor", "2026-12-10 10:15"),
    ("Remind me at 8:30pm to meditate please", "meditate", "2026-12-09 20:30"),
    ("hey coach, remind me on Friday at 7am that I have to weigh myself", "weigh myself", "2026-12-11 07:00"),
    ("recuérdame el viernes a las 8 y media estirar", "estirar", "2026-12-11 08:30"),
    ("recuérdame a las 8 menos cuarto salir", "salir", "2026-12-10 07:45"),
    ("¿Me puedes recordar a las 19h beber agua?", "beber agua", "2026-12-09 19:00"),
    ("remind me today at 7 to journal", "journal", "2026-12-09 19:00"),
    ("recuérdame el próximo lunes a las 10 llamar a mamá", "llamar a mamá", "2026-12-14 10:00"),
    ("remind me next Monday at 9 to book the dentist", "book the dentist", "2026-12-14 09:00"),
    ("recuérdame esta noche a las 10 que tengo que leer", "leer", "2026-12-09 22:00"),
    ("remind me tomorrow morning to stretch", "stretch", "2026-12-10 09:00"),
    ("recuérdame a las 7:00 p.m. meditar", "meditar", "2026-12-09 19:00"),
    ("reminder to drink water at 3pm", "drink water", "2026-12-09 15:00"),
    ("recordatorio para beber agua a las 5 de la tarde", "beber agua", "2026-12-09 17:00"),
    ("remind me on Wednesday at 18:00 to swim", "swim", "2026-12-09 18:00"),
    ("remind me on Wednesday at 8 to swim", "swim", "2026-12-16 08:00"),
    ("Remind me tomorrow at 8 to walk 5 km", "walk 5 km", "2026-12-10 08:00"),
    ("remind me the day after tomorrow at 8 to rest", "rest", "2026-12-11 08:00"),
    ("recuérdame pasado mañana a las 8 descansar", "descansar", "2026-12-11 08:00"),
    ("Recuérdame en 3 días revisar mi progreso", "revisar mi progreso", "2026-12-12 09:00"),
    ("remind me in 2 weeks to weigh in", "weigh in", "2026-12-23 09:00"),
    ("remind me at 9.30 to stretch", "stretch", "2026-12-09 09:30"),
    ("avísame a mediodía de comer fruta", "comer fruta", "2026-12-09 12:00"),
    ("recuérdame el sábado por la tarde ir al parque", "ir al parque", "2026-12-12 16:00"),
    ("pon un recordatorio para mañana a las 7 de caminar", "caminar", "2026-12-10 07:00"),
    ("remind me next week to call mum", "call mum", "2026-12-16 09:00"),
]
# Wednesday 9 December 2026, 20:00 in Mexico City: a bare 7 in the evening is tomorrow morning.
IN_MEXICO = [
    ("remind me at 7 to walk", "walk", "2026-12-10 07:00"),
    ("recuérdame a las 6 que tengo que meditar", "meditar", "2026-12-10 06:00"),
    ("recuérdame a las 9 de la noche llamar a mi hermana", "llamar a mi hermana", "2026-12-09 21:00"),
    ("avísame en 15 minutos de apagar la estufa", "apagar la estufa", "2026-12-09 20:15"),
    ("recuérdame el lunes a las 7 que tengo que pesarme", "pesarme", "2026-12-14 07:00"),
    ("recuérdame mañana en la tarde ir por las tortillas", "ir por las tortillas", "2026-12-10 16:00"),
    ("remind me at 11pm to go to bed", "go to bed", "2026-12-09 23:00"),
]
# Wednesday 9 December 2026, 15:30 UTC.
IN_UTC = [
    ("remind me at 6pm to stretch", "stretch", "2026-12-09 18:00"),
    ("remind me at 3 to stretch", "stretch", "2026-12-10 03:00"),
    ("please remind me on December 24th at noon to call grandma", "call grandma", "2026-12-24 12:00"),
    ("recuérdame el 2 de enero a las 8 que tengo que volver al gimnasio", "volver al gimnasio", "2027-01-02 08:00"),
    ("remind me in 2 hours to stand up", "stand up", "2026-12-09 17:30"),
]


@pytest.mark.parametrize(
    ("timezone", "text", "what", "due"),
    [(MADRID, *case) for case in IN_MADRID]
    + [(MEXICO, *case) for case in IN_MEXICO]
    + [("UTC", *case) for case in IN_UTC],
)
def test_it_reads_what_and_when(timezone, text, what, due):
    request = read(text, timezone)
    expected = datetime.fromisoformat(due).replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    assert request == ReminderRequest(what=what, due_at=expected)
    assert request.due_at.tzinfo is UTC


def test_the_language_is_only_a_hint():
    """The contact's language may be out of date; the words of the ask decide."""
    spanish = "recuérdame el lunes a las 7 que tengo que pesarme"
    assert read(spanish, language="en") == read(spanish, language="es")
    assert read("remind me at 6pm to stretch", language="es").what == "stretch"


@pytest.mark.parametrize(
    "text",
    [
        "how do reminders work?",
        "¿cómo funcionan los recordatorios?",
        "I forgot to walk",
        "se me olvidó caminar",
        "remind me to walk",  # no time: the caller asks when
        "recuérdame que tengo que pesarme",
        "remind me tomorrow to call mum",  # a day without a time
        "recuérdame mañana",
        "can you remind me what my goal is?",
        "what reminders do I have?",
        "don't remind me tomorrow at 8",
        "no me recuerdes mañana a las 8",
        "how do I set a reminder for tomorrow at 8?",
        "walk tomorrow at 8",  # a time but no ask
        "remind me at 25 to eat",
        "remind me on 14/12 at 9 to pay",  # a date the reader cannot tell apart: ask, do not guess
        "remind me in 2 years to renew my passport",  # more than a year ahead
        "remind me in 400 days",
        "remind me today at 9am to stretch",  # said at 15:30: already past
    ],
)
def test_it_reads_no_request(text):
    timezone = "UTC" if "today at 9am" in text else MADRID
    assert read(text, timezone) is None


def test_it_keeps_the_wall_clock_hour_across_the_end_of_summer_time():
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=ZoneInfo(MADRID))  # CEST, UTC+2
    monday = reminder_request_read("remind me on Monday at 8 to weigh in", now=saturday, timezone=MADRID)
    assert monday == ReminderRequest(what="weigh in", due_at=datetime(2026, 10, 26, 7, 0, tzinfo=UTC))  # CET
    sunday = reminder_request_read("recuérdame mañana a las 8 pesarme", now=saturday, timezone=MADRID, language="es")
    assert sunday.due_at == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    # A duration is a duration: 24 hours later is 11:00 on the Sunday's wall clock.
    later = reminder_request_read("remind me in 24 hours to stretch", now=saturday, timezone=MADRID)
    assert later.due_at == datetime(2026, 10, 25, 10, 0, tzinfo=UTC)
    assert later.due_at.astimezone(ZoneInfo(MADRID)).hour == 11


def test_it_keeps_the_wall_clock_hour_across_the_start_of_summer_time():
    saturday = datetime(2026, 3, 28, 20, 0, tzinfo=ZoneInfo(MADRID))  # CET, UTC+1
    request = reminder_request_read("remind me tomorrow at 9 to run", now=saturday, timezone=MADRID)
    assert request.due_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # CEST


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("my reminders", ReminderCommand("list", None)),
        ("What reminders do I have?", ReminderCommand("list", None)),
        ("show me my reminders", ReminderCommand("list", None)),
        ("mis recordatorios", ReminderCommand("list", None)),
        ("¿Qué recordatorios tengo?", ReminderCommand("list", None)),
        ("cancel reminder 2", ReminderCommand("cancel", 2)),
        ("please delete reminder #3", ReminderCommand("cancel", 3)),
        ("cancel the second reminder", ReminderCommand("cancel", 2)),
        ("cancel my reminders", ReminderCommand("cancel", None)),
        ("cancel the last reminder", ReminderCommand("cancel", None)),
        ("cancela el recordatorio", ReminderCommand("cancel", None)),
        ("cancela el recordatorio 2", ReminderCommand("cancel", 2)),
        ("borra el recordatorio número 1", ReminderCommand("cancel", 1)),
        ("elimina el primer recordatorio", ReminderCommand("cancel", 1)),
        ("borra mis recordatorios", ReminderCommand("cancel", None)),
    ],
)
def test_it_reads_commands(text, command):
    assert reminder_command_read(text, "es" if "recordatorio" in text else "en") == command


@pytest.mark.parametrize(
    "text",
    [
        "how do reminders work?",
        "¿cómo funcionan los recordatorios?",
        "I forgot to walk",
        "remind me tomorrow at 8 to walk",
        "set a reminder to cancel the gym tomorrow at 8",
        "cancel my gym session",
    ],
)
def test_it_reads_no_command(text):
    assert reminder_command_read(text) is None


@pytest.mark.parametrize(
    ("due", "timezone", "words"),
    [
        (NOW[MADRID] + timedelta(minutes=20), MADRID, "in 20 minutes"),
        (NOW[MADRID] + timedelta(minutes=1), MADRID, "in 1 minute"),
        (local(MADRID, 2026, 12, 9, 18, 0), MADRID, "today at 18:00"),
        (local(MADRID, 2026, 12, 10, 8, 0), MADRID, "tomorrow at 08:00"),
        (local(MADRID, 2026, 12, 14, 7, 0), MADRID, "on Monday 14 December at 07:00"),
        (local(MADRID, 2027, 1, 1, 8, 0), MADRID, "on Friday 1 January 2027 at 08:00"),
        # The same moment is tomorrow in Madrid and still today in Mexico City.
        (datetime(2026, 12, 9, 23, 30, tzinfo=UTC), MADRID, "tomorrow at 00:30"),
        (datetime(2026, 12, 9, 23, 30, tzinfo=UTC), MEXICO, "today at 17:30"),
    ],
)
def test_it_says_when_in_the_persons_timezone(due, timezone, words):
    assert reminder_when_words(due, now=NOW[MADRID], timezone=timezone, language="en") == words


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (NOW[MADRID] + timedelta(minutes=20), "en 20 minutos"),
        (NOW[MADRID] + timedelta(minutes=1), "en 1 minuto"),
        (local(MADRID, 2026, 12, 9, 18, 0), "hoy a las 18:00"),
        (local(MADRID, 2026, 12, 10, 8, 0), "mañana a las 08:00"),
        (local(MADRID, 2026, 12, 14, 7, 0), "el lunes 14 de diciembre a las 07:00"),
        (local(MADRID, 2027, 1, 1, 8, 0), "el viernes 1 de enero de 2027 a las 08:00"),
    ],
)
def test_when_words_in_spanish(due, words):
    assert reminder_when_words(due, now=NOW[MADRID], timezone=MADRID, language="es") == words
