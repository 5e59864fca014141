from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from knowledge.models import AnswerPolicy
from knowledge.selectors import answer_policy, curated_answer_get, curated_answers_list, document_get, documents_list
from knowledge.services import (
    answer_policy_update,
    curated_answer_delete,
    curated_answer_save,
    document_delete,
    document_upload,
    note_create,
    web_page_import,
)
from knowledge.uploads import UploadRefused
from knowledge.vectors import VectorStoreUnavailable
from tenants.hub import hub_view
from tenants.roles import Capability

MAX_FILES_PER_UPLOAD = 20


@hub_view(Capability.VIEW_CONTENT)
def library(request: HttpRequest) -> HttpResponse:
    can_edit = request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]
    if request.method == "POST":
        if not can_edit:
            return render(request, "tenants/refused.html", {"message": "Your role cannot upload."}, status=403)
        files = request.FILES.getlist("files")[:MAX_FILES_PER_UPLOAD]
        if not files:
            messages.error(request, "Choose at least one file to upload.")
        for upload in files:
            try:
                document, created = document_upload(upload=upload, uploaded_by=request.user.email)
            except UploadRefused as exc:
                messages.error(request, f"{upload.name}: {exc}")
            else:
                note = "is being read" if created else "is already in your library"
                messages.success(request, f"{document.title} {note}.")
        return redirect("hub-knowledge")
    return render(request, "knowledge/library.html", {"documents": documents_list(), "can_edit": can_edit})


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def add_note_or_page(request: HttpRequest) -> HttpResponse:
    """The Knowledge page's two small forms: write a note, or import a web page by URL."""
    try:
        if request.POST.get("url"):
            document, created = web_page_import(url=request.POST["url"], imported_by=request.user.email)
        else:
            document, created = note_create(
                title=request.POST.get("title", ""), text=request.POST.get("text", ""), written_by=request.user.email
            )
    except (UploadRefused, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"{document.title} {'is being read' if created else 'is already in your library'}.")
    return redirect("hub-knowledge")


@hub_view(Capability.VIEW_CONTENT)
def pinned_answers(request: HttpRequest) -> HttpResponse:
    can_edit = request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]
    if request.method == "POST" and can_edit:
        try:
            curated_answer_save(
                question=request.POST.get("question", ""),
                answer=request.POST.get("answer", ""),
                created_by=request.user.email,
            )
            messages.success(request, "Pinned. Questions like this one now get exactly this answer.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("hub-pinned-answers")
    context = {"answers": curated_answers_list(), "can_edit": can_edit}
    return render(request, "knowledge/pinned_answers.html", context)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def pinned_answer_delete(request: HttpRequest, curated_id: str) -> HttpResponse:
    """Removing one already gone is done, not an error (a double click, two team members)."""
    curated = curated_answer_get(curated_id)
    if curated is not None:
        curated_answer_delete(curated=curated)
    return redirect("hub-pinned-answers")


@hub_view(Capability.VIEW_CONTENT)
def library_status(request: HttpRequest) -> JsonResponse:
    rows = documents_list().values("id", "status", "progress", "chunk_count", "page_count", "error")
    return JsonResponse({"documents": [{**row, "id": str(row["id"])} for row in rows]})


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def delete(request: HttpRequest, document_id: str) -> HttpResponse:
    document = document_get(document_id)
    if document is None:
        return render(request, "tenants/refused.html", {"message": "No such document."}, status=404)
    try:
        document_delete(document=document)
    except VectorStoreUnavailable:
        messages.error(request, "The knowledge store is unreachable right now; nothing was deleted. Try again soon.")
    else:
        messages.success(request, f"{document.title} was removed, with everything learned from it.")
    return redirect("hub-knowledge")


class AnswerPolicyForm(forms.ModelForm):
    class Meta:
        model = AnswerPolicy
        fields = ["min_source_score", "curated_match_score", "ollama_model"]
        widgets = {
            "min_source_score": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
            "curated_match_score": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
        }


@hub_view(Capability.VIEW_CONTENT)
def answer_settings(request: HttpRequest) -> HttpResponse:
    """How sure the coach must be before answering, and which Ollama model writes for this creator."""
    can_edit = request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]
    form = AnswerPolicyForm(request.POST if request.method == "POST" else None, instance=answer_policy())
    if request.method == "POST" and can_edit and form.is_valid():
        answer_policy_update(**form.cleaned_data)
        messages.success(request, "Answer settings saved.")
        return redirect("hub-answer-settings")
    return render(request, "knowledge/answer_settings.html", {"form": form, "can_edit": can_edit})
