from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from knowledge.selectors import document_get, documents_list
from knowledge.services import document_delete, document_upload
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
