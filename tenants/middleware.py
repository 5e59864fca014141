"""Request guards that sit right after django-tenants has picked the creator from the host."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from tenants.api_errors import error_response

SESSION_SCHEMA_KEY = "compa_schema"
ALWAYS_SERVED_PATHS = ("/healthz", "/static/")


def bind_session_to_host(request: HttpRequest) -> None:
    """Called at every login: the session is only valid on the host that created it."""
    tenant = getattr(request, "tenant", None)
    if tenant is not None and hasattr(request, "session"):
        request.session[SESSION_SCHEMA_KEY] = tenant.schema_name


class SessionBoundToHostMiddleware:
    """A session cookie replayed on another creator's host is treated as signed out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and request.user.is_authenticated
            and request.session.get(SESSION_SCHEMA_KEY) != tenant.schema_name
        ):
            logout(request)
        return self.get_response(request)


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


class SuspendedCreatorMiddleware:
    """A suspended creator's hub, API and widget refuse with a clear message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is not None and tenant.is_suspended and not request.path.startswith(ALWAYS_SERVED_PATHS):
            message = "This coaching space is suspended. Its owner can contact support to restore it."
            if wants_json(request):
                return error_response("creator_suspended", message, 403)
            html = render_to_string("tenants/suspended.html", {"message": message, "creator": tenant})
            return HttpResponse(html, status=403)
        return self.get_response(request)
