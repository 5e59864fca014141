from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from coaching.forms import PersonaForm
from coaching.selectors import checkup_questions_list
from coaching.services import checkup_question_add, checkup_run
from conversations.selectors import persona_get
from conversations.services.persona import persona_update
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
