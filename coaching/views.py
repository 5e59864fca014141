from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.forms import (
    EnrollByEmailForm,
    EnrollByTagForm,
    GoalForm,
    PersonaForm,
    ProgramCreateForm,
    ProgramSettingsForm,
    StepForm,
    form_errors_from,
)
from coaching.models import Goal, Program, ProgramStep
from coaching.selectors import (
    checkup_questions_list,
    enrollment_get,
    enrollment_progress,
    proactive_settings,
    program_changes,
    program_get,
    program_working_version,
    programs_list,
)
from coaching.services import checkup_question_add, checkup_run
from coaching.services.enrollments import (
    EnrollmentExists,
    enrollment_create,
    enrollment_leave,
    enrollment_pause,
    enrollment_resume,
    sending_window_update,
)
from coaching.services.programs import (
    goal_add,
    goal_delete,
    program_archive,
    program_create,
    program_draft_ensure,
    program_publish,
    program_update,
    step_add,
    step_delete,
    step_update,
    steps_reorder,
)
from conversations.models import Contact
from conversations.selectors import parsed_uuid, persona_get
from conversations.services.persona import persona_update
from tenants import clock
from tenants.hub import hub_view
from tenants.roles import Capability


@hub_view()
def hub_home(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    context = {
        "membership": membership,
        "persona": persona_get() if membership.can(Capability.VIEW_CONTENT) else None,
        "Capability": Capability,
    }
    return render(request, "coaching/hub_home.html", context)


@hub_view(Capability.VIEW_CONTENT)
def persona(request: HttpRequest) -> HttpResponse:
    can_edit = request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]
    form = PersonaForm(request.POST if request.method == "POST" else None, instance=persona_get())
    if request.method == "POST" and can_edit and form.is_valid():
        fields = [*form.Meta.fields, "phrases"]
        persona_update(editor=request.user, **{f: form.cleaned_data[f] for f in fields})
        messages.success(request, _("Your coach's persona is saved."))
        return redirect("hub-persona")
    return render(request, "coaching/persona.html", {"form": form, "can_edit": can_edit})


def _checkup_page(request: HttpRequest, report: dict[str, Any] | None) -> HttpResponse:
    can_edit = request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]
    context = {"questions": checkup_questions_list(), "report": report, "can_edit": can_edit}
    return render(request, "coaching/checkup.html", context)


@hub_view(Capability.VIEW_CONTENT)
@require_safe
def checkup(request: HttpRequest) -> HttpResponse:
    """Test questions with the facts each answer must contain; one click runs them all."""
    return _checkup_page(request, report=None)


@hub_view(Capability.VIEW_CONTENT)
@require_POST
def run_checkup(request: HttpRequest) -> HttpResponse:
    """The report is shown on this answer itself: it is not stored, so there is nothing to redirect to."""
    return _checkup_page(request, report=checkup_run())


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def add_checkup_question(request: HttpRequest) -> HttpResponse:
    try:
        checkup_question_add(
            question=request.POST.get("question", ""), required_facts=request.POST.get("facts", "").split(";")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("hub-checkup")


# --- Programs: list, builder, enrollments ----------------------------------------------------------
# Every edit goes through coaching.services.programs (which edits the draft version); the builder's
# step forms post with htmx and get the builder back (errors next to their field), or, without
# JavaScript, a redirect (or the whole page with the errors, 400).


def _program_or_404(program_id: str) -> Program:
    program = program_get(program_id)
    if program is None:
        raise Http404("No such program.")
    return program


def _builder_context(
    request: HttpRequest,
    program: Program,
    *,
    step_forms: dict[str, StepForm] | None = None,
    add_form: StepForm | None = None,
    goal_form: GoalForm | None = None,
    settings_form: ProgramSettingsForm | None = None,
) -> dict[str, Any]:
    version = program_working_version(program)
    step_forms = step_forms or {}
    days: dict[int, list[tuple[ProgramStep, StepForm]]] = {}
    for step in version.steps.all() if version else []:
        form = step_forms.get(str(step.pk)) or StepForm.for_step(step)
        days.setdefault(step.day, []).append((step, form))
    initial = {
        "name": program.name,
        "description": program.description,
        "keyword": program.keyword,
        "web_enrollment": program.web_enrollment,
    }
    return {
        "program": program,
        "version": version,
        "is_draft": version is not None and version.published_at is None,
        "days": sorted(days.items()),
        "changes": program_changes(program),
        "goals": list(version.goals.all()) if version else [],
        "add_form": add_form or StepForm(prefix_id="new"),
        "goal_form": goal_form or GoalForm(),
        "settings_form": settings_form or ProgramSettingsForm(initial=initial),
        "open_step": next(iter(step_forms), None),
        "can_edit": request.membership.can(Capability.EDIT_CONTENT),  # type: ignore[attr-defined]
        "tab": "builder",
    }


def _builder_response(request: HttpRequest, program: Program, *, status: int = 200, **forms: Any) -> HttpResponse:
    """htmx asks for the builder only (and gets it with 200, or it would not swap the errors in);
    a plain form post gets the whole page."""
    context = _builder_context(request, program, **forms)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "coaching/program_builder.html", context)
    return render(request, "coaching/program.html", context, status=status)


def _after_edit(request: HttpRequest, program: Program) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _builder_response(request, program)
    return redirect("hub-program", program_id=program.pk)


@hub_view(Capability.VIEW_CONTENT)
@require_http_methods(["GET", "HEAD", "POST"])
def programs(request: HttpRequest) -> HttpResponse:
    """Every program with its people and version; a new one is made here and opens in the builder."""
    can_edit = request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]
    form = ProgramCreateForm(request.POST if request.method == "POST" else None, auto_id="program-%s")
    if request.method == "POST":
        if not can_edit:
            return render(
                request, "tenants/refused.html", {"message": _("Your role cannot edit programs.")}, status=403
            )
        if form.is_valid():
            try:
                program = program_create(**form.cleaned_data)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Program created. Add its steps below."))
                return redirect("hub-program", program_id=program.pk)
    return _programs_page(request, form=form, status=400 if form.errors else 200)


def _programs_page(
    request: HttpRequest, *, form: Any = None, draft_form: Any = None, status: int = 200
) -> HttpResponse:
    can_edit = request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]
    rows = programs_list().annotate(people=Count("enrollments", filter=Q(enrollments__status__in=["active", "paused"])))
    context = {
        "programs": rows,
        "form": form or ProgramCreateForm(auto_id="program-%s"),
        "draft_form": draft_form or ProgramDraftForm(auto_id="draft-%s"),
        "can_edit": can_edit,
        "window": proactive_settings(),
    }
    return render(request, "coaching/programs.html", context, status=status)


class ProgramDraftForm(forms.Form):
    """Draft with AI: a goal, and how many days the program runs."""

    goal = forms.CharField(
        label=gettext_lazy("Goal"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": gettext_lazy("e.g. Sleep better in two weeks")}),
        help_text=gettext_lazy("What people reach by the end. Lessons come from your material and cite it."),
    )
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=365, initial=14)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_draft_view(request: HttpRequest) -> HttpResponse:
    """Draft with AI: a draft program from the goal and the creator's material, opened in the builder."""
    from coaching.services.drafting import program_draft_from_goal
    from knowledge.vectors import VectorStoreUnavailable

    form = ProgramDraftForm(request.POST, auto_id="draft-%s")
    if form.is_valid():
        try:
            program = program_draft_from_goal(**form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        except VectorStoreUnavailable:
            form.add_error(None, _("Your material cannot be reached right now. Please try again in a minute."))
        else:
            messages.success(request, _("Program drafted from your material. Edit it, then publish."))
            return redirect("hub-program", program_id=program.pk)
    return _programs_page(request, draft_form=form, status=400)


@hub_view(Capability.VIEW_CONTENT)
@require_safe
def program_detail(request: HttpRequest, program_id: str) -> HttpResponse:
    return _builder_response(request, _program_or_404(program_id))


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_settings(request: HttpRequest, program_id: str) -> HttpResponse:
    program = _program_or_404(program_id)
    form = ProgramSettingsForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                program_update(program=program, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Program settings saved."))
            return redirect("hub-program", program_id=program.pk)
    program.refresh_from_db()
    return _builder_response(request, program, status=400, settings_form=form)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_step_add(request: HttpRequest, program_id: str) -> HttpResponse:
    program = _program_or_404(program_id)
    form = StepForm(request.POST, prefix_id="new")
    if form.is_valid():
        try:
            step_add(program=program, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return _after_edit(request, program)
    return _builder_response(request, program, status=400, add_form=form)


def _step_or_404(program: Program, step_id: str) -> ProgramStep:
    key = parsed_uuid(step_id)
    step = ProgramStep.objects.filter(pk=key, version__program=program).first() if key else None
    if step is None:
        raise Http404("No such step.")
    return step


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_step_edit(request: HttpRequest, program_id: str, step_id: str) -> HttpResponse:
    program = _program_or_404(program_id)
    step = _step_or_404(program, step_id)
    form = StepForm(request.POST, prefix_id=str(step.pk))
    if form.is_valid():
        try:
            step_update(program=program, step=step, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return _after_edit(request, program)
    return _builder_response(request, program, status=400, step_forms={str(step.pk): form})


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_step_delete(request: HttpRequest, program_id: str, step_id: str) -> HttpResponse:
    program = _program_or_404(program_id)
    try:
        step_delete(program=program, step=_step_or_404(program, step_id))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_edit(request, program)


def _draft_step_ids(program: Program, given: list[str]) -> list[str]:
    """The builder may show the live version's steps (nothing edited yet): each is named by its
    copy in the draft, which the first edit makes."""
    draft = program_draft_ensure(program=program)
    own = {str(pk) for pk in draft.steps.values_list("pk", flat=True)}
    ids = []
    for step_id in given:
        if step_id in own:
            ids.append(step_id)
            continue
        step = _step_or_404(program, step_id)
        twin = draft.steps.filter(day=step.day, at=step.at, text=step.text, kind=step.kind).first()
        ids.append(str(twin.pk) if twin else step_id)
    return ids


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_steps_order(request: HttpRequest, program_id: str) -> HttpResponse:
    """The drag-and-drop's new order: every step id of the program, in order."""
    program = _program_or_404(program_id)
    try:
        with transaction.atomic():
            steps_reorder(program=program, step_ids=_draft_step_ids(program, request.POST.getlist("step")))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_edit(request, program)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_step_move(request: HttpRequest, program_id: str, step_id: str) -> HttpResponse:
    """The keyboard's way to reorder: swap a step with its neighbour on the same day."""
    program = _program_or_404(program_id)
    step = _step_or_404(program, step_id)
    try:
        with transaction.atomic():
            draft = program_draft_ensure(program=program)
            if step.version_id != draft.pk:
                step = draft.steps.get(pk=_draft_step_ids(program, [str(step.pk)])[0])
            order = list(draft.steps.all())
            at = next(i for i, item in enumerate(order) if item.pk == step.pk)
            other = at - 1 if request.POST.get("direction") == "up" else at + 1
            if 0 <= other < len(order) and order[other].day == step.day:
                order[at], order[other] = order[other], order[at]
                steps_reorder(program=program, step_ids=[str(item.pk) for item in order])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_edit(request, program)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_goal_add(request: HttpRequest, program_id: str) -> HttpResponse:
    program = _program_or_404(program_id)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            goal_add(program=program, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Goal added."))
            return redirect("hub-program", program_id=program.pk)
    return _builder_response(request, program, status=400, goal_form=form)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_goal_delete(request: HttpRequest, program_id: str, goal_id: str) -> HttpResponse:
    program = _program_or_404(program_id)
    key = parsed_uuid(goal_id)
    goal = Goal.objects.filter(pk=key, version__program=program).first() if key else None
    if goal is None:
        raise Http404("No such goal.")
    try:
        goal_delete(program=program, goal=goal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("hub-program", program_id=program.pk)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_publish_view(request: HttpRequest, program_id: str) -> HttpResponse:
    program = _program_or_404(program_id)
    try:
        version = program_publish(program=program)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Version %(number)d is live.") % {"number": version.number})
    return redirect("hub-program", program_id=program.pk)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_archive_view(request: HttpRequest, program_id: str) -> HttpResponse:
    program = _program_or_404(program_id)
    program_archive(program=program)
    messages.success(request, _("Program archived: nobody new can join; people in it finish it."))
    return redirect("hub-program", program_id=program.pk)


def _enrollments_page(
    request: HttpRequest,
    program: Program,
    *,
    email_form: EnrollByEmailForm | None = None,
    tag_form: EnrollByTagForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = clock.now()
    rows = [
        {"enrollment": enrollment, "progress": enrollment_progress(enrollment, now=now)}
        for enrollment in program.enrollments.select_related("contact", "version", "current_step").order_by(
            "-enrolled_at"
        )
    ]
    context = {
        "program": program,
        "rows": rows,
        "email_form": email_form or EnrollByEmailForm(),
        "contact_emails": Contact.objects.exclude(email=None).order_by("email").values_list("email", flat=True)[:500],
        "tag_form": tag_form or EnrollByTagForm(),
        "can_edit": request.membership.can(Capability.EDIT_CONTENT),  # type: ignore[attr-defined]
        "tab": "enrollments",
    }
    return render(request, "coaching/program_enrollments.html", context, status=status)


@hub_view(Capability.VIEW_CONTENT)
@require_safe
def program_enrollments(request: HttpRequest, program_id: str) -> HttpResponse:
    return _enrollments_page(request, _program_or_404(program_id))


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_enroll(request: HttpRequest, program_id: str) -> HttpResponse:
    """One person, picked by their email."""
    program = _program_or_404(program_id)
    form = EnrollByEmailForm(request.POST)
    if form.is_valid():
        contact = Contact.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if contact is None:
            form.add_error("email", _("Nobody with this email has talked to your coach yet."))
        else:
            try:
                enrollment_create(program=program, contact=contact, source="hub")
            except EnrollmentExists:
                form.add_error("email", _("This person is already in the program."))
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("%(who)s is enrolled.") % {"who": _contact_name(contact)})
                return redirect("hub-program-enrollments", program_id=program.pk)
    return _enrollments_page(request, program, email_form=form, status=400)


def _contact_name(contact: Contact) -> str:
    return contact.display_name or contact.email or contact.phone or str(contact.pk)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_enroll_tag(request: HttpRequest, program_id: str) -> HttpResponse:
    """Everyone with a tag; says how many joined, were already in, or could not be enrolled."""
    program = _program_or_404(program_id)
    form = EnrollByTagForm(request.POST)
    if not form.is_valid():
        return _enrollments_page(request, program, tag_form=form, status=400)
    tag = form.cleaned_data["tag"].strip().lower()
    enrolled = already = refused = 0
    reasons: set[str] = set()
    for contact in Contact.objects.filter(tags__contains=[tag]).order_by("created_at"):
        try:
            with transaction.atomic():
                enrollment_create(program=program, contact=contact, source="hub")
        except EnrollmentExists:
            already += 1
        except ValidationError as exc:
            refused += 1
            reasons.update(exc.messages)
        else:
            enrolled += 1
    summary = _("Tag “%(tag)s”: %(enrolled)d enrolled, %(already)d already in, %(refused)d refused.") % {
        "tag": tag,
        "enrolled": enrolled,
        "already": already,
        "refused": refused,
    }
    if reasons:
        summary = f"{summary} {' '.join(sorted(reasons))}"
    (messages.success if enrolled or not refused else messages.error)(request, summary)
    return redirect("hub-program-enrollments", program_id=program.pk)


ENROLLMENT_ACTIONS = {"pause": enrollment_pause, "resume": enrollment_resume, "leave": enrollment_leave}


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def program_enrollment_action(request: HttpRequest, program_id: str, enrollment_id: str, action: str) -> HttpResponse:
    program = _program_or_404(program_id)
    enrollment = enrollment_get(enrollment_id)
    if enrollment is None or enrollment.program_id != program.pk or action not in ENROLLMENT_ACTIONS:
        raise Http404("No such enrollment.")
    try:
        ENROLLMENT_ACTIONS[action](enrollment=enrollment, by="team")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("hub-program-enrollments", program_id=program.pk)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def sending_window(request: HttpRequest) -> HttpResponse:
    """The creator's sending window, set on the Programs page, with the rules' limits (messages the
    coach starts per person per day, hours a message may wait for approval)."""
    from coaching.rules_forms import SendingWindowForm

    form = SendingWindowForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()])
        sending_window_update(**form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sending window saved."))
    return redirect("hub-programs")
