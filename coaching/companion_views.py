"""The companion app's (/app/) pages about programs, for the signed-in person only: where they are
in each program they are in, their goals and streaks, their pending reminders (which they may
cancel), and a Join button for programs open to web enrollment.

Who the person is comes from the app's signed cookie (conversations.companion_views._contact);
nothing here takes a contact from the request.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from coaching.models import Program, Reminder, StepSend
from coaching.selectors import (
    creator_zone_name,
    enrollment_progress,
    enrollments_open,
    program_get,
    reminders_for,
)
from coaching.services.enrollments import EnrollmentExists, enrollment_create, zone_checked
from coaching.services.replies import reminder_cancel
from conversations.companion_views import _contact, in_persons_language
from conversations.selectors import parsed_uuid
from tenants import clock


def _joinable(open_program_ids: set) -> list[Program]:
    return list(
        Program.objects.filter(status=Program.Status.ACTIVE, live_version__isnull=False, web_enrollment=True)
        .exclude(pk__in=open_program_ids)
        .order_by("name")
    )


@require_safe
@in_persons_language
def my_programs(request: HttpRequest) -> HttpResponse:
    contact = _contact(request)
    if contact is None:
        return redirect("app-home")
    now = clock.now()
    rows = []
    for enrollment in enrollments_open(contact).select_related("version", "contact"):
        latest = (
            enrollment.sends.filter(status=StepSend.Status.SENT)
            .select_related("step")
            .order_by("-sent_at", "-due_at")
            .first()
        )
        rows.append(
            {
                "enrollment": enrollment,
                "today": latest.step if latest else None,
                "progress": enrollment_progress(enrollment, now=now),
            }
        )
    context = {
        "contact": contact,
        "rows": rows,
        "reminders": reminders_for(contact, pending_only=True),
        "joinable": _joinable({row["enrollment"].program_id for row in rows}),
    }
    return render(request, "coaching/app_programs.html", context)


def browser_zone(value: str) -> str:
    """The timezone the browser reported, when it is a real one; else the creator's."""
    value = (value or "").strip()[:64]
    if value:
        try:
            return zone_checked(value)
        except ValidationError:
            pass
    return creator_zone_name()


@require_POST
@in_persons_language
def program_join(request: HttpRequest, program_id: str) -> HttpResponse:
    contact = _contact(request)
    if contact is None:
        return redirect("app-home")
    program = program_get(program_id)
    if program is None or not program.web_enrollment or program.status != Program.Status.ACTIVE:
        raise Http404("No such program.")
    try:
        enrollment_create(
            program=program,
            contact=contact,
            timezone=browser_zone(request.POST.get("timezone", "")),
            source="web",
            outlet="app",
        )
    except EnrollmentExists:
        messages.info(request, _("You are already in %(program)s.") % {"program": program.name})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Welcome to %(program)s!") % {"program": program.name})
    return redirect("app-programs")


@require_POST
@in_persons_language
def reminder_cancel_view(request: HttpRequest, reminder_id: str) -> HttpResponse:
    contact = _contact(request)
    key = parsed_uuid(reminder_id)
    reminder = Reminder.objects.filter(pk=key, contact=contact).first() if contact and key else None
    if reminder is None:
        raise Http404("No such reminder.")
    if reminder_cancel(reminder=reminder):
        messages.success(request, _("Reminder cancelled."))
    return redirect("app-programs")
