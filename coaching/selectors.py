from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.models import (
    CheckupQuestion,
    Enrollment,
    Goal,
    Measurement,
    ProactiveSettings,
    Program,
    ProgramStep,
    ProgramVersion,
    Reminder,
    StepSend,
)
from conversations.models import Contact


def checkup_questions_list() -> QuerySet[CheckupQuestion]:
    return CheckupQuestion.objects.all()


def checkup_question_get(public_id: uuid.UUID) -> CheckupQuestion | None:
    return CheckupQuestion.objects.filter(public_id=public_id).first()


# --- Programs, enrollments, measurements -----------------------------------------------------------


def program_get(program_id: Any) -> Program | None:
    from conversations.selectors import parsed_uuid

    key = parsed_uuid(program_id)
    return Program.objects.filter(pk=key).first() if key else None


def programs_list() -> QuerySet[Program]:
    return Program.objects.select_related("live_version").order_by("-created_at")


def program_draft(program: Program) -> ProgramVersion | None:
    return program.versions.filter(published_at__isnull=True).first()


def program_working_version(program: Program) -> ProgramVersion | None:
    """What the builder shows: the draft being edited, else what is live."""
    return program_draft(program) or program.live_version


def program_changes(program: Program) -> list[str]:
    """What publishing the draft would change, in words a creator reads before pressing Publish."""
    draft, live = program_draft(program), program.live_version
    if draft is None:
        return []
    if live is None:
        steps, goals = draft.steps.count(), draft.goals.count()
        return [
            ngettext("First version: %(steps)d step,", "First version: %(steps)d steps,", steps) % {"steps": steps}
            + " "
            + ngettext("%(goals)d goal.", "%(goals)d goals.", goals) % {"goals": goals}
        ]

    def shape(version: ProgramVersion) -> tuple[set[tuple], set[tuple]]:
        steps = set(version.steps.values_list("kind", "day", "at", "text", "answer_type", "unit", "metric"))
        goals = set(version.goals.values_list("metric", "target", "comparison", "window_days", "times"))
        return steps, goals

    (draft_steps, draft_goals), (live_steps, live_goals) = shape(draft), shape(live)
    changes = []
    for _kind, day, _at, text, *_rest in sorted(draft_steps - live_steps, key=lambda s: (s[1], str(s[2]))):
        changes.append(_("Added or changed: day %(day)d, %(text)s") % {"day": day, "text": text[:60]})
    for _kind, day, _at, text, *_rest in sorted(live_steps - draft_steps, key=lambda s: (s[1], str(s[2]))):
        changes.append(_("Removed or replaced: day %(day)d, %(text)s") % {"day": day, "text": text[:60]})
    if draft_goals != live_goals:
        changes.append(_("Goals changed."))
    return changes


def program_by_code(code: str) -> Program | None:
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    return Program.objects.filter(code=code, status=Program.Status.ACTIVE, live_version__isnull=False).first()


def program_by_keyword(text: str) -> Program | None:
    word = (text or "").strip().strip(".!¡").lower()
    if not word or len(word) > 40 or any(ch.isspace() for ch in word):
        return None
    return (
        Program.objects.filter(status=Program.Status.ACTIVE, live_version__isnull=False)
        .exclude(keyword="")
        .filter(keyword__iexact=word)
        .first()
    )


def program_to_join(text: str, start_payload: str | None) -> Program | None:
    """The program a message asks to join: a Telegram deep link's code, else a WhatsApp keyword."""
    return program_by_code(start_payload) if start_payload else program_by_keyword(text)


def enrollment_get(enrollment_id: Any) -> Enrollment | None:
    from conversations.selectors import parsed_uuid

    key = parsed_uuid(enrollment_id)
    if not key:
        return None
    return Enrollment.objects.select_related("program", "version", "contact", "current_step").filter(pk=key).first()


def enrollments_open(contact: Contact) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(contact=contact, status__in=["active", "paused"]).select_related("program")


def contact_timezone(contact: Contact) -> str:
    """The person's timezone: their latest enrollment's, else a guess from their phone number's
    (or WhatsApp number's) country where it has one zone, else the creator's."""
    enrolled = Enrollment.objects.filter(contact=contact).order_by("-enrolled_at").values_list("timezone", flat=True)
    if zone := enrolled.first():
        return zone
    phones = [contact.phone or ""]
    phones += list(contact.identities.filter(outlet="whatsapp").values_list("address", flat=True)[:3])
    for phone in phones:
        if guess := phone_timezone(phone):
            return guess
    return creator_zone_name()


def phone_timezone(phone: str) -> str:
    """The timezone of a phone number's country when it has only one (Spain, not Mexico)."""
    if not phone:
        return ""
    import phonenumbers
    from phonenumbers import timezone as phone_zones

    try:
        number = phonenumbers.parse(phone if phone.startswith("+") else f"+{phone}")
    except phonenumbers.NumberParseException:
        return ""
    zones = [z for z in phone_zones.time_zones_for_number(number) if z != "Etc/Unknown"]
    if len(zones) == 1:
        return zones[0]
    region = phonenumbers.region_code_for_number(number)
    return {"ES": "Europe/Madrid", "PT": "Europe/Lisbon", "CL": "America/Santiago"}.get(region, "")


def creator_zone_name() -> str:
    from django.db import connection

    return getattr(connection.tenant, "timezone", "") or "UTC"


def proactive_settings() -> ProactiveSettings:
    return ProactiveSettings.objects.order_by("pk").first() or ProactiveSettings()


def check_in_pending(contact: Contact, *, now: datetime) -> StepSend | None:
    """The check-in the coach is waiting for an answer to: the latest one sent to this person in
    the last CHECK_IN_ANSWER_HOURS, unanswered."""
    since = now - timedelta(hours=settings.CHECK_IN_ANSWER_HOURS)
    return (
        StepSend.objects.filter(
            enrollment__contact=contact,
            enrollment__status=Enrollment.Status.ACTIVE,
            step__kind=ProgramStep.Kind.CHECK_IN,
            status=StepSend.Status.SENT,
            answered_at__isnull=True,
            sent_at__gte=since,
        )
        .select_related("step", "enrollment")
        .order_by("-sent_at")
        .first()
    )


# A claim older than this was left by a crashed job: its rows are claimed again (the send's
# idempotency key keeps that to one message).
CLAIM_STALE = timedelta(minutes=10)


def proactive_next_due() -> datetime | None:
    """The earliest moment something is due in this creator's schema (a step, a second ask of a
    check-in, a reminder): what the public wake-up table keeps for the scheduler."""
    stale = [
        StepSend.objects.filter(status="sending").aggregate(at=Min("claimed_at"))["at"],
        Reminder.objects.filter(status="sending").aggregate(at=Min("claimed_at"))["at"],
    ]
    dates = [
        # Paused enrollments wait for their resume (which reschedules them), not for the scheduler.
        StepSend.objects.filter(status="pending", enrollment__status=Enrollment.Status.ACTIVE).aggregate(
            at=Min("due_at")
        )["at"],
        StepSend.objects.filter(
            ask_again_at__isnull=False, asked_again_at__isnull=True, answered_at__isnull=True
        ).aggregate(at=Min("ask_again_at"))["at"],
        Reminder.objects.filter(status="pending").aggregate(at=Min("due_at"))["at"],
        *(at + CLAIM_STALE for at in stale if at is not None),
        *_rules_next_due(),
    ]
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


def _rules_next_due() -> list[datetime | None]:
    from coaching.models import Rule, RuleDecision

    every = timedelta(minutes=settings.RULES_EVALUATE_MINUTES)
    enabled = Rule.objects.filter(enabled=True)
    never = enabled.filter(evaluated_at__isnull=True).aggregate(at=Min("created_at"))["at"]
    looked = enabled.aggregate(at=Min("evaluated_at"))["at"]
    decisions = RuleDecision.objects
    sending = decisions.filter(outcome="sending").aggregate(at=Min("claimed_at"))["at"]
    return [
        never,
        looked + every if looked else None,
        decisions.filter(outcome="scheduled").aggregate(at=Min("due_at"))["at"],
        decisions.filter(outcome="awaiting").aggregate(at=Min("expires_at"))["at"],
        sending + CLAIM_STALE if sending else None,
    ]


def measurements_for(contact: Contact) -> QuerySet[Measurement]:
    return Measurement.objects.filter(contact=contact).select_related("message").order_by("-recorded_at", "-id")


def reminders_for(contact: Contact, *, pending_only: bool = False) -> QuerySet[Reminder]:
    reminders = Reminder.objects.filter(contact=contact)
    if pending_only:
        reminders = reminders.filter(status=Reminder.Status.PENDING)
    return reminders.order_by("due_at")


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    met: int  # measurements meeting the target in the window (or 1/0 for a latest-value goal)
    needed: int
    latest: float | None
    reached: bool


def goal_progress(goal: Goal, contact: Contact, *, now: datetime) -> GoalProgress:
    since = now - timedelta(days=goal.window_days)
    values = list(
        Measurement.objects.filter(contact=contact, metric=goal.metric, recorded_at__gte=since, recorded_at__lte=now)
        .order_by("-recorded_at")
        .values_list("value", flat=True)
    )
    latest = values[0] if values else None
    if goal.times:
        met = sum(1 for value in values if goal.met_by(value))
        return GoalProgress(goal, met, goal.times, latest, met >= goal.times)
    reached = latest is not None and goal.met_by(latest)
    return GoalProgress(goal, int(reached), 1, latest, reached)


def streak(contact: Contact, metric: str, *, zone: str, now: datetime) -> int:
    """Consecutive days, up to today (or yesterday, if today is not answered yet), with at least
    one measurement of `metric`, counted in the person's own days."""
    tz = ZoneInfo(zone)
    days = {
        at.astimezone(tz).date()
        for at in Measurement.objects.filter(contact=contact, metric=metric, recorded_at__lte=now)
        .order_by("-recorded_at")
        .values_list("recorded_at", flat=True)[:400]
    }
    day = now.astimezone(tz).date()
    if day not in days:
        day -= timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def enrollment_progress(enrollment: Enrollment, *, now: datetime) -> dict[str, Any]:
    """Where a person stands in a program: steps sent of all, goals with progress, streaks."""
    sends = enrollment.sends.all()
    metrics = sorted(
        set(enrollment.version.steps.exclude(metric="").values_list("metric", flat=True))
        | set(enrollment.version.goals.values_list("metric", flat=True))
    )
    goals = [goal_progress(goal, enrollment.contact, now=now) for goal in enrollment.version.goals.all()]
    return {
        "steps_total": sends.count(),
        "steps_sent": sends.filter(status=StepSend.Status.SENT).count(),
        "goals": goals,
        "streaks": {
            metric: streak(enrollment.contact, metric, zone=enrollment.timezone, now=now) for metric in metrics
        },
    }


def program_step_get(program: Program, step_id: Any) -> ProgramStep | None:
    """A step of the version being edited or of the live one (the builder shows one of them)."""
    from conversations.selectors import parsed_uuid

    key = parsed_uuid(step_id)
    if not key:
        return None
    versions = _working_or_live(program)
    return ProgramStep.objects.filter(pk=key, version__program=program).filter(versions).first()


def program_goal_get(program: Program, goal_id: Any) -> Goal | None:
    from conversations.selectors import parsed_uuid

    key = parsed_uuid(goal_id)
    if not key:
        return None
    return Goal.objects.filter(pk=key, version__program=program).filter(_working_or_live(program)).first()


def _working_or_live(program: Program) -> Any:
    from django.db.models import Q

    return Q(version__published_at__isnull=True) | Q(version_id=program.live_version_id)


def enrollments_list() -> QuerySet[Enrollment]:
    return Enrollment.objects.select_related("version").order_by("-enrolled_at")


def reminder_get(contact: Contact, reminder_id: Any) -> Reminder | None:
    from conversations.selectors import parsed_uuid

    key = parsed_uuid(reminder_id)
    return Reminder.objects.filter(contact=contact, pk=key).first() if key else None


class SendingTimes:
    """When the coach may write to each of many people: the creator's window read once, and each
    person's timezone (their latest enrollment's, their number's country, else the creator's) and
    quiet hours (their active enrollment's) read for all of them in three queries, not per person."""

    def __init__(self, contacts: list[Contact]) -> None:
        from conversations.models import ContactIdentity

        row = proactive_settings()
        self.window = (row.window_start, row.window_end)
        self.daily_cap, self.approval_hours = row.daily_cap, row.approval_hours
        ids = [contact.pk for contact in contacts]
        self._zones: dict[Any, str] = {}
        self._quiet: dict[Any, tuple] = {}
        enrollments = Enrollment.objects.filter(contact_id__in=ids).order_by("contact_id", "-enrolled_at")
        for contact_id, zone, status, start, end in enrollments.values_list(
            "contact_id", "timezone", "status", "quiet_start", "quiet_end"
        ):
            self._zones.setdefault(contact_id, zone)
            if status == Enrollment.Status.ACTIVE:
                self._quiet.setdefault(contact_id, (start, end))
        numbers: dict[Any, list[str]] = {}
        for contact_id, address in ContactIdentity.objects.filter(
            contact_id__in=[i for i in ids if i not in self._zones], outlet="whatsapp"
        ).values_list("contact_id", "address"):
            numbers.setdefault(contact_id, []).append(address)
        from conversations.models import Message

        self._written = dict(
            Message.objects.filter(conversation__contact_id__in=ids, author=Message.Author.USER)
            .values("conversation__contact_id")
            .annotate(at=Max("created_at"))
            .values_list("conversation__contact_id", "at")
        )
        fallback = creator_zone_name()
        for contact in contacts:
            if contact.pk not in self._zones:
                guesses = (phone_timezone(phone) for phone in [contact.phone or "", *numbers.get(contact.pk, [])])
                self._zones[contact.pk] = next((zone for zone in guesses if zone), fallback)

    def last_written(self, contact: Contact) -> datetime | None:
        """When the person last wrote to the coach (as this batch was read)."""
        return self._written.get(contact.pk)

    def zone(self, contact: Contact) -> str:
        return self._zones.get(contact.pk) or creator_zone_name()

    def fit(self, contact: Contact, moment: datetime) -> datetime:
        """The first moment at or after `moment` inside the window and out of the person's quiet
        hours, in their own timezone (DST-correct), as UTC."""
        from coaching.services.enrollments import fit_to_sending_time

        local = moment.astimezone(ZoneInfo(self.zone(contact)))
        fitted = fit_to_sending_time(local, window=self.window, quiet=self._quiet.get(contact.pk, (None, None)))
        return fitted.astimezone(UTC)

    def sent_on_day(self, contacts: list[Contact], moment: datetime) -> dict[Any, int]:
        """Messages the coach started for each person on `moment`'s day in their own time (program
        steps and nudges; reminders the person asked for do not count)."""
        from coaching.models import RuleDecision

        ids = [contact.pk for contact in contacts]
        around = (moment - timedelta(days=1, hours=14), moment + timedelta(days=1, hours=14))
        stamps = list(
            StepSend.objects.filter(
                enrollment__contact_id__in=ids, status=StepSend.Status.SENT, sent_at__range=around
            ).values_list("enrollment__contact_id", "sent_at")
        )
        stamps += RuleDecision.objects.filter(
            contact_id__in=ids, outcome=RuleDecision.Outcome.SENT, message__isnull=False, due_at__range=around
        ).values_list("contact_id", "due_at")
        counts: dict[Any, int] = dict.fromkeys(ids, 0)
        by_id = {contact.pk: contact for contact in contacts}
        for contact_id, at in stamps:
            zone = ZoneInfo(self.zone(by_id[contact_id]))
            if at.astimezone(zone).date() == moment.astimezone(zone).date():
                counts[contact_id] += 1
        return counts
