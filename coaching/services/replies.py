"""What the coach does with a person's words before retrieval: a check-in answer becomes a
measurement, a reminder request a reminder, "pause" / "leave the program" changes the enrollment,
a Telegram deep link or a WhatsApp keyword enrolls. Called by coaching's turn stages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import event_record
from coaching.models import Measurement, ProgramStep, Reminder, StepSend
from coaching.selectors import goal_progress, streak
from conversations.models import Contact, Conversation, Message
from tenants import clock
from tenants.services import creator_wake_up_at


def check_in_answer_record(*, send: StepSend, message: Message, value: float, unit: str, text: str = "") -> Measurement:
    """The answer as a measurement (value, unit, metric, the message it came from), the check-in
    marked answered, in one transaction with its event."""
    now = clock.now()
    with transaction.atomic():
        existing = Measurement.objects.filter(message=message).first()
        if existing is not None:  # the same message again (a resend): one measurement
            return existing
        measurement = Measurement.objects.create(
            contact=send.enrollment.contact,
            enrollment=send.enrollment,
            step_send=send,
            metric=send.step.metric,
            value=value,
            unit=unit,
            text=text[:2000],
            recorded_at=now,
            message=message,
        )
        StepSend.objects.filter(pk=send.pk).update(answered_at=now)
        event_record(
            Event.Kind.CHECK_IN_ANSWERED,
            contact_id=send.enrollment.contact_id,
            subject_id=send.pk,
            value=value,
            data={"metric": send.step.metric, "program": str(send.enrollment.program_id)},
        )
    return measurement


def check_in_confirmation(measurement: Measurement, send: StepSend, language: str) -> str:
    """ "Got it: 7.5 h. Goal sleep_hours: 3 of 5 this week. 4 days in a row." in the person's language."""
    now = clock.now()
    step = send.step
    with translation.override(language):
        if step.answer_type == ProgramStep.AnswerType.YES_NO:
            said = _("yes") if measurement.value >= 1 else _("no")
        elif step.answer_type == ProgramStep.AnswerType.SCALE:
            said = _("%(value)s out of 10") % {"value": _number(measurement.value)}
        elif step.answer_type == ProgramStep.AnswerType.TEXT:
            said = ""
        else:
            said = f"{_number(measurement.value)} {measurement.unit}".strip()
        parts = [_("Got it: %(answer)s.") % {"answer": said} if said else _("Thanks, noted.")]
        for goal in send.enrollment.version.goals.filter(metric=step.metric):
            progress = goal_progress(goal, send.enrollment.contact, now=now)
            if progress.reached:
                parts.append(_("You've reached your goal."))
            elif goal.times:
                parts.append(
                    _("Goal: %(met)d of %(needed)d in %(days)d days.")
                    % {"met": progress.met, "needed": progress.needed, "days": goal.window_days}
                )
        days = streak(send.enrollment.contact, step.metric, zone=send.enrollment.timezone, now=now)
        if days >= 2:
            parts.append(_("%(days)d days in a row.") % {"days": days})
    return " ".join(parts)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def check_in_clarify(*, send: StepSend, language: str) -> str:
    """One clarifying question for an answer that could not be read; never a guessed number."""
    StepSend.objects.filter(pk=send.pk).update(clarified_at=clock.now())
    event_record(Event.Kind.CHECK_IN_UNCLEAR, contact_id=send.enrollment.contact_id, subject_id=send.pk)
    step = send.step
    with translation.override(language):
        if step.answer_type == ProgramStep.AnswerType.YES_NO:
            return _("Sorry, I didn't catch that: was it a yes or a no?")
        if step.answer_type == ProgramStep.AnswerType.SCALE:
            return _("Sorry, I didn't catch that: on a scale from 1 to 10, what number would you give it?")
        if step.unit:
            return _("Sorry, I didn't catch that: how many %(unit)s? A number is enough, e.g. 7.5.") % {
                "unit": step.unit
            }
        return _("Sorry, I didn't catch that: could you answer with a number, e.g. 7.5?")


def check_in_ask_later(*, send: StepSend) -> None:
    """A real question came instead of the answer: it is answered, and the check-in asked once more later."""
    if send.ask_again_at is None:
        when = clock.now() + timedelta(minutes=settings.CHECK_IN_ASK_AGAIN_MINUTES)
        StepSend.objects.filter(pk=send.pk, ask_again_at__isnull=True).update(ask_again_at=when)
        creator_wake_up_at(creator_id=connection.tenant.pk, due_at=when)


def reminder_create(
    *, contact: Contact, conversation: Conversation | None, text: str, due_at: datetime, zone: str, language: str,
    source_message: Message | None = None,
) -> Reminder:  # fmt: skip
    with transaction.atomic():
        if source_message is not None and (found := Reminder.objects.filter(source_message=source_message).first()):
            return found
        reminder = Reminder.objects.create(
            contact=contact,
            conversation=conversation,
            text=text[:300],
            due_at=due_at,
            timezone=zone,
            language=language,
            source_message=source_message,
        )
        creator_wake_up_at(creator_id=connection.tenant.pk, due_at=due_at)
        event_record(Event.Kind.REMINDER_SET, contact_id=contact.pk, subject_id=reminder.pk)
    return reminder


def reminder_cancel(*, reminder: Reminder) -> bool:
    with transaction.atomic():
        done = Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.CANCELLED, reason="cancelled by the person"
        )
        if done:
            event_record(Event.Kind.REMINDER_CANCELLED, contact_id=reminder.contact_id, subject_id=reminder.pk)
    return bool(done)
