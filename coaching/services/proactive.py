"""The coach speaking first: due steps, second asks of unanswered check-ins and reminders, sent
through the one outbound verb. The scheduler's tick only wakes creators with something due (the
public wake-up table); this runs in one creator's schema and claims rows with SKIP LOCKED, and
every send carries an idempotency key, so two schedulers or a retried job send each thing once."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import EventSpec, event_record
from coaching.models import Enrollment, ProgramStep, Reminder, StepSend
from coaching.selectors import CLAIM_STALE, proactive_next_due, proactive_settings
from coaching.services.enrollments import answers_joining, fit_to_sending_time, in_quiet_hours
from conversations.models import Contact, Conversation, Message
from conversations.services.delivery import Unreachable, message_send
from tenants import clock
from tenants.services import creator_wake_up_reset

logger = logging.getLogger(__name__)


def proactive_run_due(*, batch: int | None = None) -> dict[str, int]:
    """Send what is due now in this creator's schema, up to `batch` of each kind; the counts say
    what happened, and `more` is 1 when a full batch was claimed (the job runs again)."""
    batch = batch or settings.PROACTIVE_BATCH
    now = clock.now()
    counts = {"sent": 0, "skipped": 0, "later": 0, "asked_again": 0, "reminders": 0, "more": 0}
    step_ids = _claim(StepSend.objects.filter(enrollment__status=Enrollment.Status.ACTIVE), now, batch)
    for send_id in step_ids:
        counts[step_send_deliver(send_id=send_id, now=now)] += 1
    again_ids = _claim_ask_again(now, batch)
    for send_id in again_ids:
        counts["asked_again"] += check_in_ask_again(send_id=send_id, now=now)
    reminder_ids = _claim(Reminder.objects.all(), now, batch)
    for reminder_id in reminder_ids:
        counts["reminders"] += reminder_deliver(reminder_id=reminder_id, now=now)
    counts["more"] = int(max(len(step_ids), len(again_ids), len(reminder_ids)) >= batch)
    counts["more"] |= _rules_run(now, batch, counts)
    creator_wake_up_reset(creator_id=connection.tenant.pk, next_due=proactive_next_due)
    return counts


def _rules_run(now: datetime, batch: int, counts: dict[str, int]) -> int:
    """Rules looked at every RULES_EVALUATE_MINUTES (their triggers are states, not events), then
    their due decisions carried out. 1 when work is left for another job."""
    from coaching.models import Rule
    from coaching.services.rules import rule_decisions_run, rules_evaluate

    every = timedelta(minutes=settings.RULES_EVALUATE_MINUTES)
    more = 0
    looking = Q(evaluated_at__isnull=True) | Q(evaluated_at__lte=now - every)
    if Rule.objects.filter(enabled=True).filter(looking).exists():
        evaluated = rules_evaluate(now=now, batch=batch)
        counts["fired"], more = evaluated["fired"], evaluated["more"]
    decided = rule_decisions_run(now=now, batch=batch)
    counts["nudges"] = decided["sent"]
    return more | decided["more"]


def _claim(rows: QuerySet, now: datetime, batch: int) -> list[uuid.UUID]:
    """Due rows (and rows a crashed job claimed long ago), locked so a second scheduler's job skips
    them, marked `sending` in the same transaction."""
    model = rows.model
    with transaction.atomic():
        # Two reads, each on its own partial index (an OR of both would walk claimed rows again).
        due = rows.filter(status="pending", due_at__lte=now).order_by("due_at")
        ids = list(due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:batch])
        if len(ids) < batch:
            stale = rows.filter(status="sending", claimed_at__lt=now - CLAIM_STALE).order_by("claimed_at")
            stale = stale.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)
            ids += list(stale[: batch - len(ids)])
        model.objects.filter(pk__in=ids).update(status="sending", claimed_at=now)
    return ids


def _claim_ask_again(now: datetime, batch: int) -> list[uuid.UUID]:
    with transaction.atomic():
        rows = StepSend.objects.filter(
            ask_again_at__lte=now, asked_again_at__isnull=True, answered_at__isnull=True
        ).order_by("ask_again_at")
        ids = list(rows.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch])
        StepSend.objects.filter(pk__in=ids).update(asked_again_at=now)
    return ids


def _sending_window() -> tuple:
    row = proactive_settings()
    return row.window_start, row.window_end


def _skip_reason(send: StepSend, now: datetime) -> tuple[str, datetime | None]:
    """Why a due step does not go now: ("", None) it goes; (reason, None) skipped; ("later", at)
    it waits for the person's quiet hours to end."""
    enrollment, contact = send.enrollment, send.enrollment.contact
    if contact.opted_out_at is not None:
        return "the person asked for no messages the coach starts", None
    if contact.crisis_at is not None:
        return "the person may be in crisis: the team looks after them", None
    if answers_joining(send.step, enrollment) and now - enrollment.enrolled_at < timedelta(hours=1):
        return "", None
    zone = ZoneInfo(enrollment.timezone)
    local_now, local_due = now.astimezone(zone), send.due_at.astimezone(zone)
    window = _sending_window()
    if local_now.date() > local_due.date() or local_now.time() > window[1]:
        return f"missed its sending window (due {local_due:%Y-%m-%d %H:%M} {enrollment.timezone})", None
    if local_now.time() < window[0] or in_quiet_hours(local_now.time(), enrollment.quiet_start, enrollment.quiet_end):
        later = fit_to_sending_time(local_now, window=window, quiet=(enrollment.quiet_start, enrollment.quiet_end))
        return "later", later
    return "", None


def skip_code(reason: str) -> str:
    """The reason as a code for the event stream (events never carry words)."""
    for start, code in (
        ("the person asked for no messages", "opted_out"),
        ("the person may be in crisis", "crisis"),
        ("missed its sending window", "missed_window"),
    ):
        if reason.startswith(start):
            return code
    return "unreachable"


def _conversation_on(contact: Contact, outlet: str) -> Conversation | None:
    if not outlet:
        return None
    return contact.conversations.filter(outlet=outlet).order_by("-updated_at").first()


def step_send_deliver(*, send_id: uuid.UUID, now: datetime) -> str:
    """One claimed step to its person: "sent", "skipped" (with the reason kept) or "later"."""
    send = (
        StepSend.objects.select_related("enrollment__contact", "step__document", "enrollment__program")
        .filter(pk=send_id, status=StepSend.Status.SENDING)
        .first()
    )
    if send is None:
        return "skipped"
    enrollment, step = send.enrollment, send.step
    reason, later = _skip_reason(send, now)
    if reason == "later":
        StepSend.objects.filter(pk=send.pk).update(status=StepSend.Status.PENDING, due_at=later, claimed_at=None)
        return "later"
    message = None
    if not reason:
        try:
            message = message_send(
                contact=enrollment.contact,
                conversation=_conversation_on(enrollment.contact, enrollment.outlet),
                text=_step_text(step),
                author=Message.Author.AI,
                proactive=True,
                idempotency_key=f"step:{send.pk}",
                events=[
                    EventSpec(
                        kind=Event.Kind.STEP_SENT,
                        contact_id=enrollment.contact_id,
                        subject_id=send.pk,
                        data={"program": str(enrollment.program_id), "kind": step.kind, "day": step.day},
                    )
                ],
            )
        except Unreachable as exc:
            reason = str(exc)[:200] or "no outlet can reach this person"
    with transaction.atomic():
        if message is None:
            StepSend.objects.filter(pk=send.pk).update(status=StepSend.Status.SKIPPED, reason=reason[:200])
            event_record(
                Event.Kind.STEP_SKIPPED,
                contact_id=enrollment.contact_id,
                subject_id=send.pk,
                data={"program": str(enrollment.program_id), "reason": skip_code(reason)},
            )
        else:
            StepSend.objects.filter(pk=send.pk).update(status=StepSend.Status.SENT, sent_at=now, message=message)
            Enrollment.objects.filter(pk=enrollment.pk).update(current_step=step)
        _finish_if_done(enrollment, now)
    return "skipped" if message is None else "sent"


def _step_text(step: ProgramStep) -> str:
    if step.document_id and step.document is not None:
        return f"{step.text}\n\n({step.document.title})"
    return step.text


def _finish_if_done(enrollment: Enrollment, now: datetime) -> None:
    if enrollment.sends.filter(status__in=["pending", "sending"]).exists():
        return
    finished = Enrollment.objects.filter(pk=enrollment.pk, status=Enrollment.Status.ACTIVE).update(
        status=Enrollment.Status.FINISHED, ended_at=now
    )
    if finished:
        event_record(Event.Kind.ENROLLMENT_FINISHED, contact_id=enrollment.contact_id, subject_id=enrollment.pk)


def check_in_ask_again(*, send_id: uuid.UUID, now: datetime) -> int:
    """A check-in the person did not answer because they asked something else: asked once more."""
    send = StepSend.objects.select_related("enrollment__contact", "step").filter(pk=send_id).first()
    if send is None or send.answered_at is not None or send.enrollment.status != Enrollment.Status.ACTIVE:
        return 0
    reason, _later = _skip_reason(send, now)
    if reason and reason != "later":
        return 0
    conversation = send.message.conversation if send.message_id and send.message else None
    try:
        message_send(
            contact=send.enrollment.contact,
            conversation=conversation,
            text=send.step.text,
            proactive=True,
            idempotency_key=f"step-again:{send.pk}",
        )
    except Unreachable:
        return 0
    return 1


def reminder_deliver(*, reminder_id: uuid.UUID, now: datetime) -> int:
    """A reminder at the person's time, quiet hours or not (they chose it), on the outlet they used."""
    reminder = (
        Reminder.objects.select_related("contact", "conversation").filter(pk=reminder_id, status="sending").first()
    )
    if reminder is None:
        return 0
    with translation.override(reminder.language or "en"):
        text = _("⏰ Reminder: %(what)s") % {"what": reminder.text}
    try:
        message = message_send(
            contact=reminder.contact,
            conversation=reminder.conversation,
            text=text,
            proactive=True,
            idempotency_key=f"reminder:{reminder.pk}",
            events=[EventSpec(kind=Event.Kind.REMINDER_SENT, contact_id=reminder.contact_id, subject_id=reminder.pk)],
        )
    except Unreachable as exc:
        Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.SKIPPED, reason=str(exc)[:200])
        return 0
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.SENT, sent_at=now, message=message)
    return 1
