"""Writes about people in programs: joining (from every entry point), pausing, resuming, leaving,
and the schedule of steps each enrollment gets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import event_record
from coaching.models import Enrollment, ProactiveSettings, Program, ProgramStep, StepSend
from coaching.selectors import contact_timezone, proactive_settings
from conversations.models import Contact, Conversation
from tenants import clock
from tenants.services import creator_wake_up_at


class EnrollmentExists(Exception):
    """The person is already in this program (active or paused)."""

    def __init__(self, enrollment: Enrollment) -> None:
        super().__init__("already enrolled")
        self.enrollment = enrollment


def zone_checked(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):  # "America" is a folder
        raise ValidationError({"timezone": _("Unknown timezone: use a name like Europe/Madrid.")}) from None
    return name


def quiet_hours_parse(value: Iterable[str] | None) -> tuple[time | None, time | None]:
    from coaching.services.programs import time_parse

    if not value:
        return None, None
    value = list(value)
    if len(value) != 2:
        raise ValidationError({"quiet_hours": _('Give quiet hours as a start and an end, e.g. ["22:00", "08:00"].')})
    start, end = (time_parse(item, field="quiet_hours") for item in value)
    if start is None or end is None or start == end:
        raise ValidationError({"quiet_hours": _("Quiet hours need a different start and end.")})
    return start, end


def in_quiet_hours(moment: time, start: time | None, end: time | None) -> bool:
    if start is None or end is None:
        return False
    return start <= moment < end if start < end else moment >= start or moment < end


def fit_to_sending_time(
    local: datetime, *, window: tuple[time, time], quiet: tuple[time | None, time | None]
) -> datetime:
    """The first moment at or after `local` (aware, in the person's zone) inside the creator's
    sending window and outside the person's quiet hours."""
    zone = local.tzinfo
    for _attempt in range(4):
        if local.time() < window[0]:
            local = datetime.combine(local.date(), window[0], tzinfo=zone)
        elif local.time() > window[1]:
            local = datetime.combine(local.date() + timedelta(days=1), window[0], tzinfo=zone)
        elif in_quiet_hours(local.time(), *quiet):
            end = quiet[1]
            day = local.date() if local.time() < end else local.date() + timedelta(days=1)
            local = datetime.combine(day, end, tzinfo=zone)
        else:
            return local
    return local


# Joining by one's own hand (the app's button, a deep link, a keyword): a "right away" step is an
# answer to that, sent at once whatever the hour, like a reminder the person asked for.
PERSON_SOURCES = ("web", "app", "telegram", "whatsapp")


def answers_joining(step: ProgramStep, enrollment: Enrollment) -> bool:
    return step.day == 0 and step.at is None and enrollment.source in PERSON_SOURCES


def step_due_at(step: ProgramStep, *, enrollment: Enrollment, window: tuple[time, time]) -> datetime:
    """When a step goes out: its day counted from the enrollment day in the person's own timezone
    and its local time there (DST-correct); "right away" steps on day 0 go at once, on later days
    at the start of the sending window. A day-0 time already past goes at once."""
    zone = ZoneInfo(enrollment.timezone)
    joined = enrollment.enrolled_at.astimezone(zone)
    if answers_joining(step, enrollment):
        return joined
    day = joined.date() + timedelta(days=step.day)
    if step.at is None:
        local = joined if step.day == 0 else datetime.combine(day, window[0], tzinfo=zone)
    else:
        local = max(datetime.combine(day, step.at, tzinfo=zone), joined)
    return fit_to_sending_time(local, window=window, quiet=(enrollment.quiet_start, enrollment.quiet_end))


def enrollment_create(
    *,
    program: Program,
    contact: Contact,
    timezone: str | None = None,
    quiet_hours: Iterable[str] | None = None,
    outlet: str = "",
    source: str = "api",
) -> Enrollment:
    """Join a person to a program's live version and schedule every step for them. Raises
    EnrollmentExists when they are already in it."""
    if program.status != Program.Status.ACTIVE or program.live_version_id is None:
        raise ValidationError({"program": _("This program is not active: publish it first.")})
    if contact.opted_out_at is not None:
        raise ValidationError({"contact": _("This person asked for no messages the coach starts.")})
    zone = zone_checked(timezone) if timezone else contact_timezone(contact)
    quiet_start, quiet_end = quiet_hours_parse(quiet_hours)
    existing = Enrollment.objects.filter(contact=contact, program=program, status__in=["active", "paused"]).first()
    if existing is not None:
        raise EnrollmentExists(existing)
    if outlet in ("app", "web") and not contact.conversations.filter(outlet=outlet).exists():
        # The browser outlets reach a person through a conversation there: joining from the app opens it.
        Conversation.objects.create(contact=contact, outlet=outlet, language=contact.language or "en")
    now = clock.now()
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                contact=contact,
                program=program,
                version_id=program.live_version_id,
                timezone=zone,
                outlet=outlet[:20],
                quiet_start=quiet_start,
                quiet_end=quiet_end,
                source=source[:20],
                enrolled_at=now,
            )
            first_due = _schedule(enrollment)
            event_record(
                Event.Kind.ENROLLED,
                contact_id=contact.pk,
                subject_id=enrollment.pk,
                outlet=outlet,
                data={"source": source},
            )
    except IntegrityError:
        existing = Enrollment.objects.filter(contact=contact, program=program, status__in=["active", "paused"]).first()
        if existing is None:
            raise
        raise EnrollmentExists(existing) from None
    if first_due is not None and first_due <= now + timedelta(seconds=5):
        from coaching.tasks import proactive_run

        proactive_run.send_on_commit()  # a "right away" step goes now, not at the next tick
    return enrollment


def _schedule(enrollment: Enrollment) -> datetime | None:
    settings_row = proactive_settings()
    window = (settings_row.window_start, settings_row.window_end)
    sends = [
        StepSend(enrollment=enrollment, step=step, due_at=step_due_at(step, enrollment=enrollment, window=window))
        for step in enrollment.version.steps.all()
    ]
    StepSend.objects.bulk_create(sends)
    first = min((send.due_at for send in sends), default=None)
    creator_wake_up_at(creator_id=connection.tenant.pk, due_at=first)
    return first


def enrollment_pause(*, enrollment: Enrollment, by: str = "team") -> Enrollment:
    """Nothing goes out while paused; resuming moves what is left by the time paused."""
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise ValidationError(_("Only an active enrollment can be paused."))
    with transaction.atomic():
        enrollment.status, enrollment.paused_at = Enrollment.Status.PAUSED, clock.now()
        enrollment.save(update_fields=["status", "paused_at"])
        event_record(
            Event.Kind.ENROLLMENT_PAUSED, contact_id=enrollment.contact_id, subject_id=enrollment.pk, data={"by": by}
        )
    return enrollment


def enrollment_resume(*, enrollment: Enrollment, by: str = "team") -> Enrollment:
    if enrollment.status != Enrollment.Status.PAUSED:
        raise ValidationError(_("Only a paused enrollment can be resumed."))
    now = clock.now()
    with transaction.atomic():
        paused_for = now - (enrollment.paused_at or now)
        pending = list(enrollment.sends.filter(status=StepSend.Status.PENDING))
        settings_row = proactive_settings()
        window, zone = (settings_row.window_start, settings_row.window_end), ZoneInfo(enrollment.timezone)
        quiet = (enrollment.quiet_start, enrollment.quiet_end)
        for send in pending:
            moved = max(send.due_at + paused_for, now).astimezone(zone)
            send.due_at = fit_to_sending_time(moved, window=window, quiet=quiet)
        StepSend.objects.bulk_update(pending, ["due_at"])
        enrollment.status, enrollment.paused_at = Enrollment.Status.ACTIVE, None
        enrollment.save(update_fields=["status", "paused_at"])
        creator_wake_up_at(creator_id=connection.tenant.pk, due_at=min((s.due_at for s in pending), default=None))
        event_record(
            Event.Kind.ENROLLMENT_RESUMED, contact_id=enrollment.contact_id, subject_id=enrollment.pk, data={"by": by}
        )
    return enrollment


def enrollment_leave(*, enrollment: Enrollment, by: str = "team") -> Enrollment:
    if enrollment.status not in (Enrollment.Status.ACTIVE, Enrollment.Status.PAUSED):
        raise ValidationError(_("This enrollment has already ended."))
    with transaction.atomic():
        enrollment.sends.filter(status__in=["pending", "sending"]).update(
            status=StepSend.Status.CANCELLED, reason="left the program"
        )
        enrollment.status, enrollment.ended_at = Enrollment.Status.LEFT, clock.now()
        enrollment.save(update_fields=["status", "ended_at"])
        event_record(
            Event.Kind.ENROLLMENT_LEFT, contact_id=enrollment.contact_id, subject_id=enrollment.pk, data={"by": by}
        )
    return enrollment


def enrollment_update(
    *,
    enrollment: Enrollment,
    timezone: str | None = None,
    quiet_hours: Iterable[str] | None = None,
    outlet: str | None = None,
) -> Enrollment:
    """Timezone and quiet hours are always editable; what is still to come is rescheduled."""
    with transaction.atomic():
        if timezone is not None:
            enrollment.timezone = zone_checked(timezone)
        if quiet_hours is not None:
            enrollment.quiet_start, enrollment.quiet_end = quiet_hours_parse(quiet_hours)
        if outlet is not None:
            enrollment.outlet = outlet[:20]
        enrollment.save()
        settings_row = proactive_settings()
        window = (settings_row.window_start, settings_row.window_end)
        pending = list(enrollment.sends.filter(status=StepSend.Status.PENDING).select_related("step"))
        now = clock.now()
        for send in pending:
            send.due_at = max(step_due_at(send.step, enrollment=enrollment, window=window), now)
        StepSend.objects.bulk_update(pending, ["due_at"])
        creator_wake_up_at(creator_id=connection.tenant.pk, due_at=min((s.due_at for s in pending), default=None))
    return enrollment


def sending_window_update(
    *, start: str | time, end: str | time, daily_cap: int | None = None, approval_hours: int | None = None
) -> ProactiveSettings:
    """The creator's sending window, in each person's own time: scheduled steps go out only inside
    it (a step due outside waits for it; one whose window passed is skipped with the reason). With
    it, the rules' limits: messages the coach starts per person per day, and how long a message
    may wait for approval (None keeps what is set)."""
    from coaching.services.programs import time_parse

    start_at, end_at = time_parse(start, field="start"), time_parse(end, field="end")
    if start_at is None or end_at is None:
        raise ValidationError({"start": _("Give both a start and an end.")})
    if start_at >= end_at:
        raise ValidationError({"end": _("The window must end after it starts, on the same day.")})
    with transaction.atomic():
        row = ProactiveSettings.objects.select_for_update().order_by("pk").first() or ProactiveSettings()
        row.window_start, row.window_end, row.updated_at = start_at, end_at, clock.now()
        if daily_cap is not None:
            row.daily_cap = daily_cap
        if approval_hours is not None:
            row.approval_hours = approval_hours
        row.full_clean()
        row.save()
    return row
