"""The companion web app (/app/ on the creator's host): an installable PWA for end users.

People sign in with a link sent to their email; the link signs in the browser that opens it (a
signed cookie that names them on this creator's host only) and nothing else. The browser that asked
for the link — perhaps a stranger's widget — is linked to the person only when they confirm it,
signed in, on a page that shows what would be linked.

Its pages speak the person's language: the one they write to the coach in (remembered on their
contact), else their browser's, else the creator's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from conversations import services
from conversations.identity import (
    CONTACT_COOKIE,
    TOKEN_MAX_AGE_SECONDS,
    VISITOR_COOKIE,
    contact_token,
    device_link_payload,
    device_link_token,
    identity_from_token,
)
from conversations.models import Contact
from conversations.push import vapid_public_key
from conversations.selectors import contact_by_id, contact_memory, device_link_preview
from tenants.api_errors import error_response
from tenants.auth_limits import client_ip


def _contact(request: HttpRequest) -> Contact | None:
    """The signed-in person, looked up once per request."""
    if not hasattr(request, "_app_contact"):
        identity = identity_from_token(request.COOKIES.get(CONTACT_COOKIE, ""), schema=request.tenant.schema_name)
        request._app_contact = contact_by_id(identity.contact_id) if identity and identity.contact_id else None
    return request._app_contact


def _supported(code: str | None) -> str | None:
    if not code or code == "*":
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def browser_language(request: HttpRequest) -> str | None:
    """The language this browser asked for (the language cookie, else Accept-Language), when it is
    one we speak; None when it asked for none of them."""
    stated = [request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")]
    stated += [code for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", ""))]
    return next((code for code in map(_supported, stated) if code), None)


def person_language(request: HttpRequest, contact: Contact | None = None) -> str:
    """The language to speak to this person in: the one they write to the coach in (remembered on
    their contact, or fixed by the team), else their browser's, else the creator's default."""
    return (
        _supported(contact.language if contact is not None else None)
        or browser_language(request)
        or _supported(getattr(request.tenant, "language", None))
        or settings.LANGUAGE_CODE
    )


def in_persons_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render the view in the signed-in person's language (person_language), and say so."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = person_language(request, _contact(request))
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language  # LocaleMiddleware only fills it in when unset
        return response

    return wrapped


@require_safe
@in_persons_language
def home(request: HttpRequest) -> HttpResponse:
    contact = _contact(request)
    if contact is None:
        return render(request, "conversations/app_sign_in.html", {})
    token = contact_token(schema=request.tenant.schema_name, contact_id=contact.pk)
    context = {
        "contact": contact,
        "memories": contact.memories.all(),
        "chat": {"socket": "/ws/app/", "token": token, "greeting": "", "store": "app"},
        "vapid_key": vapid_public_key(),
    }
    return render(request, "conversations/app.html", context)


@require_POST
@in_persons_language
def sign_in(request: HttpRequest) -> HttpResponse:
    email = request.POST.get("email", "").strip().lower()[:254]
    visitor = identity_from_token(request.COOKIES.get(VISITOR_COOKIE, ""), schema=request.tenant.schema_name)
    try:
        services.magic_link_send(
            email=email,
            visitor_id=visitor.visitor_id if visitor else None,
            base_url=request.build_absolute_uri("/").rstrip("/"),
            creator_name=request.tenant.name,
            client_ip=client_ip(request),
        )
    except ValidationError:
        context = {"error": _("Give a valid email address.")}
        return render(request, "conversations/app_sign_in.html", context, status=400)
    except services.TooManyLinks as exc:
        context = {"error": _("Too many links asked for. Try again later.")}
        response = render(request, "conversations/app_sign_in.html", context, status=429)
        response["Retry-After"] = str(exc.wait)
        return response
    return render(request, "conversations/app_sign_in.html", {"sent_to": email})


@require_safe
@in_persons_language
def auth(request: HttpRequest, token: str) -> HttpResponse:
    schema = request.tenant.schema_name
    try:
        opener = identity_from_token(request.COOKIES.get(VISITOR_COOKIE, ""), schema=schema)
        signed_in = services.magic_link_redeem(token=token, opener_visitor_id=opener.visitor_id if opener else None)
    except services.LinkInvalid as exc:
        return render(request, "conversations/app_sign_in.html", {"error": str(exc)}, status=400)
    if signed_in.pending_visitor_id:  # another browser asked for this link: the person decides, here
        pending = signed_in.pending_visitor_id
        response = redirect(
            "app-link", token=device_link_token(schema=schema, contact_id=signed_in.contact.pk, visitor_id=pending)
        )
    else:
        response = redirect("app-home")
    response.set_cookie(
        CONTACT_COOKIE, contact_token(schema=schema, contact_id=signed_in.contact.pk),
        max_age=TOKEN_MAX_AGE_SECONDS, httponly=True, secure=request.is_secure(), samesite="Lax",
    )  # fmt: skip
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@in_persons_language
def link(request: HttpRequest, token: str) -> HttpResponse:
    """Show what asking browser would be linked, and link it only on the signed-in person's POST."""
    contact, payload = _contact(request), device_link_payload(token, schema=request.tenant.schema_name)
    if contact is None or payload is None or payload[0] != contact.pk:
        context = {"error": _("This link request has expired or is not yours. Nothing was linked.")}
        return render(request, "conversations/app_sign_in.html", context, status=400)
    if request.method == "POST":  # either answer uses the request up: a refusal cannot be undone later
        if services.device_link_claim(token=token) and request.POST.get("decision") == "link":
            services.device_link_confirm(contact=contact, visitor_id=payload[1])
        return redirect("app-home")
    context = {"preview": device_link_preview(visitor_id=payload[1]), "contact": contact}
    return render(request, "conversations/app_link.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    response = redirect("app-home")
    response.delete_cookie(CONTACT_COOKIE)
    return response


@require_POST
def forget(request: HttpRequest, memory_id: str) -> HttpResponse:
    contact = _contact(request)
    item = contact_memory(contact, memory_id) if contact else None
    if item is None:
        raise Http404("Nothing like that is remembered about you.")
    services.memory_forget(contact=contact, memory_id=item.pk)
    return redirect("app-home")


@require_POST
@in_persons_language
def push_subscribe(request: HttpRequest) -> JsonResponse:
    contact = _contact(request)
    if contact is None:
        return error_response("signed_out", _("Sign in first."), 403)
    try:
        services.push_subscribe(contact=contact, subscription=json.loads(request.body or b"{}"))
    except ValidationError as exc:  # says why: not https, not a push service, not public…
        return error_response("invalid", " ".join(exc.messages), 400)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        return error_response("invalid", _("Send the browser's PushSubscription as JSON."), 400)
    return JsonResponse({"subscribed": True}, status=201)


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    body = {
        "name": f"{request.tenant.name} · Compañero",
        "short_name": request.tenant.name[:12],
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0f766e",
        "icons": [{"src": f"{settings.STATIC_URL}compa/app-icon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(body, content_type="application/manifest+json")


@require_safe
@in_persons_language
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(request, "conversations/app_sw.js", {}, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/app/"
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
@in_persons_language
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "conversations/app_offline.html", {})
