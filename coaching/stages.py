"""Coaching's stages in the one turn core (settings.CONVERSATION_TURN_STAGES), after opt-out
words, safety and takeover, before small talk and retrieval: the order the quality issue sets.
Thin: each reads the turn and calls coaching's services."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from coaching.checkins import checkin_answer_read, looks_like_question
from coaching.models import Measurement, Reminder
from coaching.selectors import check_in_pending, contact_timezone, enrollments_open, program_to_join
from coaching.services import enrollments as enrolling
from coaching.services import replies
from conversations.acts import plain_words
from conversations.services.turns import Turn
from knowledge.answering import Answer
from tenants import clock

PAUSE = {"pause", "pausa", "pausar", "pause the program", "pausa el programa", "pausar el programa", "pause program"}
RESUME = {"resume", "reanudar", "continuar", "resume the program", "reanudar el programa", "continuar el programa"}
LEAVE = {
    "leave", "leave the program", "quit the program", "stop the program", "dejar el programa", "salir del programa",
    "deja el programa", "salgo del programa", "me salgo del programa",
}  # fmt: skip
ASKS_FOR_REMINDER = re.compile(r"\b(remind me|set a reminder|recuerdame|avisame|ponme un recordatorio)\b")
# Cheap first look, so a message about something else costs no query (the readers decide).
MENTIONS_REMINDERS = re.compile(r"\b(remind|reminders?|recuerd|recordatorios?|avis)")


def _language(turn: Turn) -> str:
    return turn.extra.get("language") or turn.message.conversation.language or "en"


def _answer(turn: Turn, text: str, backend: str = "coaching") -> None:
    turn.answer = Answer(text, [], _language(turn), grounded=False, backend=backend)


def cancel_waiting_nudges(turn: Turn) -> None:
    """The person wrote first: the nudges a rule was about to send them are not needed any more."""
    from coaching.services.rules import nudges_cancel_on_reply

    if turn.created and turn.contact is not None:
        nudges_cancel_on_reply(contact=turn.contact, now=clock.now())


def read_program_words(turn: Turn) -> None:
    """A Telegram deep link (/start <code>) or a WhatsApp keyword joins a program; "pause",
    "resume", "leave the program" (and Spanish) act on the person's programs."""
    from coaching.services.enrollments import EnrollmentExists

    contact = turn.message.conversation.contact
    language = _language(turn)
    payload = turn.extra.get("start_payload")
    program = program_to_join(turn.text, payload) if turn.answer is None or payload else None
    if program is not None:
        with translation.override(language):
            try:
                enrolling.enrollment_create(
                    program=program, contact=contact, outlet=turn.outlet, source=turn.outlet, timezone=None
                )
                text = _("Welcome to %(program)s! I'll write to you here. Send PAUSE or LEAVE THE PROGRAM any time.")
            except EnrollmentExists:
                text = _("You're already in %(program)s.")
            except ValidationError:  # an inactive program, an opted-out person: told, never a crash
                text = _("I couldn't add you to %(program)s right now.")
            _answer(turn, text % {"program": program.name})
        return
    if turn.answer is not None:
        return
    words = plain_words(turn.text)
    if words not in PAUSE | RESUME | LEAVE:
        return
    wanted = ("active",) if words in PAUSE else ("paused",) if words in RESUME else ("active", "paused")
    found = [e for e in enrollments_open(contact) if e.status in wanted]
    if not found:
        return
    with translation.override(language):
        for enrollment in found:
            if words in PAUSE:
                enrolling.enrollment_pause(enrollment=enrollment, by="person")
            elif words in RESUME:
                enrolling.enrollment_resume(enrollment=enrollment, by="person")
            else:
                enrolling.enrollment_leave(enrollment=enrollment, by="person")
        names = ", ".join(e.program.name for e in found)
        if words in PAUSE:
            text = _("Paused: %(programs)s. Send RESUME when you want to continue.")
        elif words in RESUME:
            text = _("Welcome back: %(programs)s continues.")
        else:
            text = _("You've left %(programs)s. You can still write to me any time.")
        _answer(turn, text % {"programs": names})


def read_check_in_answer(turn: Turn) -> None:
    """The answer to the check-in the coach is waiting for becomes a measurement; an answer that
    cannot be read gets one clarifying question; a real question is answered and the check-in
    asked again later."""
    if turn.answer is not None:
        return
    message, contact = turn.message, turn.message.conversation.contact
    language = _language(turn)
    if not turn.created:  # a resend of a message already read: the same confirmation, nothing recorded twice
        recorded = Measurement.objects.select_related("step_send__step", "step_send__enrollment")
        measurement = recorded.filter(message=message).first()
        if measurement is not None and measurement.step_send is not None:
            _answer(turn, replies.check_in_confirmation(measurement, measurement.step_send, language))
            return
    send = check_in_pending(contact, now=clock.now())
    if send is None or send.sent_at is None or message.created_at < send.sent_at:
        return
    step = send.step
    reading = checkin_answer_read(message.text, answer_type=step.answer_type, unit=step.unit, language=language)
    if reading is not None:
        measurement = replies.check_in_answer_record(
            send=send, message=message, value=reading.value, unit=reading.unit, text=reading.text
        )
        _answer(turn, replies.check_in_confirmation(measurement, send, language))
        return
    if looks_like_question(message.text) or send.clarified_at is not None:
        replies.check_in_ask_later(send=send)
        return  # answered by what follows (small talk, retrieval)
    from conversations.acts import conversational_act

    if conversational_act(message.text) in ("greeting", "thanks", "goodbye", "human", "capabilities"):
        return
    _answer(turn, replies.check_in_clarify(send=send, language=language))


def read_reminder_request(turn: Turn) -> None:
    """ "Remind me tomorrow at 8 to walk" sets a reminder and says what and when; "my reminders"
    lists them; "cancel reminder 2" cancels one."""
    from coaching.reminder_requests import reminder_command_read, reminder_request_read, reminder_when_words

    if turn.answer is not None:
        return
    message, contact = turn.message, turn.message.conversation.contact
    if not MENTIONS_REMINDERS.search(plain_words(message.text)):
        return
    language = _language(turn)
    zone = contact_timezone(contact)
    now = clock.now()
    command = reminder_command_read(message.text, language)
    if command is not None:
        pending = list(Reminder.objects.filter(contact=contact, status=Reminder.Status.PENDING).order_by("due_at"))
        with translation.override(language):
            if command.action == "list":
                if not pending:
                    text = _("You have no reminders. Say, for example: remind me tomorrow at 8 to walk.")
                else:
                    lines = [
                        f"{n}. {r.text} — {reminder_when_words(r.due_at, now=now, timezone=zone, language=language)}"
                        for n, r in enumerate(pending, start=1)
                    ]
                    text = _("Your reminders:") + "\n" + "\n".join(lines)
            else:
                chosen = pending if command.which is None else pending[command.which - 1 : command.which]
                if command.which is None and len(pending) > 1:
                    chosen = pending[-1:] if plain_words(message.text).endswith(("last one", "ultimo")) else pending
                for reminder in chosen:
                    replies.reminder_cancel(reminder=reminder)
                text = (
                    _("Cancelled: %(what)s.") % {"what": ", ".join(r.text for r in chosen)}
                    if chosen
                    else _("I found no reminder to cancel.")
                )
        _answer(turn, text)
        return
    request = reminder_request_read(message.text, now=now, timezone=zone, language=language)
    if request is None:
        if ASKS_FOR_REMINDER.search(plain_words(message.text)):
            with translation.override(language):
                _answer(turn, _("When should I remind you? For example: remind me tomorrow at 8 to walk."))
        return
    reminder = replies.reminder_create(
        contact=contact,
        conversation=message.conversation,
        text=request.what,
        due_at=request.due_at,
        zone=zone,
        language=language,
        source_message=message,
    )
    with translation.override(language):
        when = reminder_when_words(reminder.due_at, now=now, timezone=zone, language=language)
        _answer(turn, _("Done: I'll remind you %(when)s to %(what)s.") % {"when": when, "what": reminder.text})
