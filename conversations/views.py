"""The embeddable widget (public, on the creator's host) and the hub's inbox, widget settings and
messaging outlets."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST, require_safe

from conversations import services
from conversations.companion_views import browser_language
from conversations.forms import (
    MemoryForm,
    TelegramOutletForm,
    WhatsAppOutletForm,
    WhatsAppTemplateForm,
    WidgetForm,
)
from conversations.identity import TOKEN_MAX_AGE_SECONDS, VISITOR_COOKIE, identity_from_token, visitor_token_new
from conversations.models import ContactMemory, Conversation, Message, MessagingOutlet, Persona, Widget, bare_origin
from conversations.push import vapid_public_key
from conversations.selectors import (
    contact_memory,
    contact_other_conversations,
    conversation_for_team,
    conversation_message,
    conversation_thread,
    inbox_conversations,
    message_media_get,
    messaging_outlet_get,
    messaging_outlets_list,
    outlet_test_addresses,
    parsed_uuid,
    persona_get,
    team_notifications_for,
    whatsapp_template_get,
    widget_by_key,
)
from conversations.services.notifications import (
    TEAM_NOTIFICATION_SUBJECTS,
    member_push_subscribe,
    member_push_unsubscribe,
    notifications_mark_read,
)
from conversations.services.outlets import (
    messaging_outlet_connect,
    messaging_outlet_delete,
    messaging_outlet_test_send,
    webhook_url,
    whatsapp_template_add,
    whatsapp_template_remove,
)
from conversations.services.safety import conversation_flag_clear
from tenants.api_errors import error_response
from tenants.auth_limits import client_ip
from tenants.hub import hub_view
from tenants.roles import Capability

WIDGET_DEFAULT_GREETING: str = Widget._meta.get_field("greeting").default


def widget_greeting(widget: Widget, persona: Persona) -> str:
    """The persona's greeting, unless this widget was given one of its own: otherwise a creator
    who changed the coach's greeting still saw the widget's untouched default (two to keep in sync)."""
    return persona.greeting if widget.greeting == WIDGET_DEFAULT_GREETING else widget.greeting


def _widget_or_404(key: str) -> Widget:
    widget = widget_by_key(key)
    if widget is None:
        raise Http404("No such widget.")
    return widget


@require_safe
def widget_loader(request: HttpRequest, key: str) -> HttpResponse:
    """The one <script> a creator pastes: draws the bubble and opens the chat frame on click."""
    widget = widget_by_key(key)
    if widget is None:
        body = "console.warn('Compañero: no chat widget has this key. Copy the snippet again from your hub.');"
        return HttpResponse(body, content_type="text/javascript", status=404)
    config = {
        "key": widget.key,
        "frame": request.build_absolute_uri(f"/widget/{widget.key}/"),
        "origins": widget.allowed_origins,
        "color": widget.color,
        "textColor": widget.text_color,
        "avatar": widget.avatar,
        "position": widget.position,
        "title": _("Chat with %(name)s") % {"name": request.tenant.name},
    }
    body = render_to_string("conversations/widget_loader.js", {"config": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


@xframe_options_exempt
@require_safe
def widget_frame(request: HttpRequest, key: str) -> HttpResponse:
    """The chat itself, in an iframe only the creator's allowed sites may embed."""
    widget = _widget_or_404(key)
    schema = request.tenant.schema_name
    token = request.COOKIES.get(VISITOR_COOKIE, "")
    browser = token
    if identity_from_token(token, schema=schema) is None:
        token = visitor_token_new(schema=schema)
        browser = f"ip:{client_ip(request)}"  # no cookie yet: a script sending none counts once a day
    services.widget_open_record(widget=widget, browser=browser)
    # Only what is still a bare origin goes into the header, whatever an older version let through.
    ancestors = [origin for origin in map(bare_origin, widget.allowed_origins) if origin]
    persona = persona_get()
    context = {
        "widget": widget,
        "coach_name": persona.coach_name,  # the header names who answers, not the business
        "chat": {
            "socket": f"/ws/chat/{widget.key}/",
            "token": token,
            "greeting": widget_greeting(widget, persona),
            "store": widget.key,
            "origins": ancestors,  # the only embedding pages the frame talks to
        },
    }
    # The browser's language (cookie, else Accept-Language), else the creator's: LocaleMiddleware
    # alone would fall back to English for a browser that asks for none we speak.
    language = browser_language(request) or request.tenant.language
    with translation.override(language):
        response = render(request, "conversations/widget_frame.html", context)
    response.headers["Content-Language"] = language
    # The page's strict policy (it shows visitors' and the AI's text), framed only by the allowed sites.
    response._csp_replace = {"frame-ancestors": ["'self'", *ancestors]}
    secure = request.is_secure()
    response.set_cookie(
        VISITOR_COOKIE, token, max_age=TOKEN_MAX_AGE_SECONDS, httponly=True, secure=secure,
        samesite="None" if secure else "Lax",
    )  # fmt: skip
    return response


@hub_view(Capability.VIEW_CONTENT)
def widget_settings(request: HttpRequest) -> HttpResponse:
    can_edit = request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]
    widget = services.widget_ensure()
    form = WidgetForm(request.POST if request.method == "POST" else None, instance=widget)
    if request.method == "POST" and can_edit and form.is_valid():
        services.widget_save(widget=widget, **form.cleaned_data)
        messages.success(request, "Your chat widget is saved. Sites with the snippet show the change within minutes.")
        return redirect("hub-widget")
    snippet = f'<script src="{request.build_absolute_uri(f"/widget/{widget.key}.js")}" async></script>'
    persona = persona_get()
    # The preview shows what visitors will see: the coach's name, and the greeting the frame will use.
    preview = {"coach_name": persona.coach_name, "persona_greeting": persona.greeting,
               "default_greeting": WIDGET_DEFAULT_GREETING, "greeting": widget_greeting(widget, persona)}  # fmt: skip
    return render(
        request,
        "conversations/widget_settings.html",
        {"form": form, "widget": widget, "snippet": snippet, "can_edit": can_edit, "preview": preview},
    )


@hub_view(Capability.ANSWER_CONVERSATIONS)
def inbox(request: HttpRequest) -> HttpResponse:
    conversations = inbox_conversations()[:200]
    template = "conversations/inbox_list.html" if request.GET.get("partial") else "conversations/inbox.html"
    return render(request, template, {"conversations": conversations})


@hub_view(Capability.ANSWER_CONVERSATIONS)
def conversation_detail(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = conversation_for_team(conversation_id)
    if conversation is None:
        raise Http404("No such conversation.")
    services.conversation_mark_read(conversation=conversation)
    context = {
        "conversation": conversation,
        "messages_": conversation_thread(conversation),
        "other_conversations": contact_other_conversations(conversation),
        "memories": conversation.contact.memories.all(),
        "memory_kinds": ContactMemory.Kind.choices,
    }
    template = (
        "conversations/conversation_live.html" if request.GET.get("partial") else "conversations/conversation.html"
    )
    return render(request, template, context)


ConversationAction = Callable[..., None]


def conversation_action(action: ConversationAction) -> Callable[..., HttpResponse]:
    """One URL per thing the team does in a conversation, all answering alike: only for who answers
    conversations, only on this creator's, and always back to the conversation, saying why it failed."""

    @require_POST
    @hub_view(Capability.ANSWER_CONVERSATIONS)
    @functools.wraps(action)
    def view(request: HttpRequest, conversation_id: str, **ids: str) -> HttpResponse:
        conversation = conversation_for_team(conversation_id)
        if conversation is None:
            raise Http404("No such conversation.")
        try:
            action(request, conversation, **ids)
        except (ValidationError, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("hub-conversation", conversation_id=conversation.pk)

    return view


def _message_or_404(conversation: Conversation, message_id: str) -> Message:
    message = conversation_message(conversation, message_id)
    if message is None:
        raise Http404("No such message.")
    return message


@conversation_action
def take_over(request: HttpRequest, conversation: Conversation) -> None:
    services.conversation_take_over(conversation=conversation, member=request.user)


@conversation_action
def hand_back(request: HttpRequest, conversation: Conversation) -> None:
    services.conversation_hand_back(conversation=conversation)


@conversation_action
def clear_flag(request: HttpRequest, conversation: Conversation) -> None:
    """The team looked after the person; the conversation stays with them until they hand it back."""
    conversation_flag_clear(conversation=conversation)
    messages.success(request, _("The flag is cleared. Hand the conversation back to the AI when you are ready."))


@conversation_action
def send(request: HttpRequest, conversation: Conversation) -> None:
    """Writing takes the conversation over if the AI was answering (the service does it)."""
    services.member_message_send(conversation=conversation, member=request.user, text=request.POST.get("text", ""))


@conversation_action
def rate(request: HttpRequest, conversation: Conversation, message_id: str) -> None:
    message = _message_or_404(conversation, message_id)
    services.message_rate(message=message, rating=int(request.POST.get("rating", "0") or 0))


@conversation_action
def correct(request: HttpRequest, conversation: Conversation, message_id: str) -> None:
    message = _message_or_404(conversation, message_id)
    services.message_correct(message=message, text=request.POST.get("correction", ""), member=request.user)
    messages.success(request, _("Thanks: the correction is now a note in your knowledge base."))


@conversation_action
def remember(request: HttpRequest, conversation: Conversation, memory_id: str | None = None) -> None:
    """Add a fact, or edit one; one forgotten meanwhile is kept anew, so the team's words are not
    lost to a race."""
    form = MemoryForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choose what kind of fact it is and write it in up to 300 characters."))
    item = contact_memory(conversation.contact, memory_id) if memory_id else None
    services.memory_save(contact=conversation.contact, item=item, **form.cleaned_data)


@conversation_action
def forget(request: HttpRequest, conversation: Conversation, memory_id: str) -> None:
    """Forgetting what is already gone is done, not an error (a double click, two team members)."""
    item = contact_memory(conversation.contact, memory_id)
    if item is not None:
        services.memory_forget(contact=conversation.contact, memory_id=item.pk)


# --- The bell: a member's own notifications ------------------------------------------------------
# Every member reads only their own rows (user_id); they name the person, never their words.


@require_safe
@hub_view()
def notifications(request: HttpRequest) -> HttpResponse:
    subjects = dict(TEAM_NOTIFICATION_SUBJECTS())
    rows = [(n, subjects.get(n.kind, n.kind)) for n in team_notifications_for(user_id=request.user.pk)[:100]]
    return render(request, "conversations/notifications.html", {"rows": rows, "vapid_key": vapid_public_key()})


@require_POST
@hub_view()
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user_id=request.user.pk)
    return redirect("hub-notifications")


@require_POST
@hub_view()
def notification_read(request: HttpRequest, notification_id: str) -> HttpResponse:
    """Another member's id, or one already read, changes nothing (the service reads only yours)."""
    notification = parsed_uuid(notification_id)
    if notification is None:
        raise Http404("No such notification.")
    notifications_mark_read(user_id=request.user.pk, notification_id=str(notification))
    return redirect("hub-notifications")


# --- Web push for members who turn it on: each stores and removes only their own browsers --------


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        return None


@require_POST
@hub_view()
def hub_push_subscribe(request: HttpRequest) -> JsonResponse:
    """POST the browser's PushSubscription as JSON ({endpoint, keys: {p256dh, auth}})."""
    body = _json_body(request)
    if body is None:
        return error_response("invalid", _("Send the browser's PushSubscription as JSON."), 400)
    try:
        member_push_subscribe(user_id=request.user.pk, subscription=body)
    except ValidationError as exc:  # says why: not https, not a push service, not public…
        return error_response("invalid", " ".join(exc.messages), 400)
    return JsonResponse({"subscribed": True}, status=201)


@require_POST
@hub_view()
def hub_push_unsubscribe(request: HttpRequest) -> JsonResponse:
    """POST {endpoint} (JSON, or a form field): that browser of yours stops; another's is untouched."""
    body = _json_body(request)
    endpoint = body.get("endpoint") if isinstance(body, dict) else request.POST.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return error_response("invalid", _("Send the endpoint of the browser to stop notifying."), 400)
    removed = member_push_unsubscribe(user_id=request.user.pk, endpoint=endpoint)
    return JsonResponse({"subscribed": False, "removed": removed})


@require_safe
@hub_view()
def hub_service_worker(request: HttpRequest) -> HttpResponse:
    """The hub's service worker: shows a team notification and opens its page. Like every hub page,
    members only (browsers send the session cookie with a same-origin worker script; signed out, an
    update fails and the installed worker stays)."""
    response = render(request, "conversations/hub_sw.js", {}, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/hub/"
    response["Cache-Control"] = "no-cache"
    return response


# --- Voice notes and images people sent ----------------------------------------------------------

# Served as what they are only when a browser cannot run them: anything else (an SVG, HTML a sender
# labelled as an image) is a download, never a page on the hub's origin.
PLAYABLE_MEDIA_TYPES = frozenset(
    {
        "image/jpeg", "image/png", "image/webp", "image/gif",
        "audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr", "audio/wav", "audio/webm", "audio/opus",
    }
)  # fmt: skip


@require_safe
@hub_view(Capability.ANSWER_CONVERSATIONS)
def message_media(request: HttpRequest, media_id: str) -> HttpResponse:
    """A file a person sent, only to who reads conversations and only from this creator's schema and
    folder: media are never public MEDIA URLs."""
    media = message_media_get(media_id)
    if media is None:
        raise Http404("No such file.")
    content_type = media.content_type.split(";")[0].strip().lower()
    playable = content_type in PLAYABLE_MEDIA_TYPES
    response = FileResponse(
        media.file.open("rb"), content_type=content_type if playable else "application/octet-stream",
        as_attachment=not playable, filename=f"{media.kind}-{media.pk}",
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Messaging outlets (Telegram bots, WhatsApp numbers) ----------------------------------------
# Connecting one hands over its secrets, so the page is for who manages the team (owners), as API keys.

OUTLET_FORMS: dict[str, type[Form]] = {
    MessagingOutlet.Kind.TELEGRAM: TelegramOutletForm,
    MessagingOutlet.Kind.WHATSAPP: WhatsAppOutletForm,
}


def _form_error(form: Form, exc: ValidationError | PermissionDenied) -> None:
    """A service's refusal shown on the form: under the field it names, else above the form."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))


def _outlet_rows(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {
            "outlet": outlet,
            "webhook_url": webhook_url(creator=request.tenant, outlet=outlet),
            "addresses": outlet_test_addresses(outlet),
            "template_form": WhatsAppTemplateForm(auto_id=f"id_{outlet.pk}_%s"),
        }
        for outlet in messaging_outlets_list(now=timezone.now())
    ]


@hub_view(Capability.MANAGE_TEAM)
def outlets(request: HttpRequest) -> HttpResponse:
    """The creator's bots and numbers with their health; connecting one posts here with its `kind`."""
    kind = request.POST.get("kind", "") if request.method == "POST" else ""
    forms_ = {
        name: form(request.POST if name == kind else None, auto_id=f"id_{name}_%s")
        for name, form in OUTLET_FORMS.items()
    }
    form = forms_.get(kind)
    if form is not None and form.is_valid():
        try:
            outlet = messaging_outlet_connect(
                creator=request.tenant, user=request.user, kind=kind, data=form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is connected.") % {"name": outlet.name})
            return redirect("hub-outlets")
    context = {"rows": _outlet_rows(request), "telegram_form": forms_["telegram"], "whatsapp_form": forms_["whatsapp"]}
    return render(request, "conversations/outlets.html", context, status=400 if form is not None else 200)


OutletAction = Callable[..., None]


def outlet_action(action: OutletAction) -> Callable[..., HttpResponse]:
    """One URL per thing done to an outlet, all answering alike: owners only, only this creator's
    outlets, and always back to the Outlets page, saying what happened or why it failed."""

    @require_POST
    @hub_view(Capability.MANAGE_TEAM)
    @functools.wraps(action)
    def view(request: HttpRequest, outlet_id: str, **ids: str) -> HttpResponse:
        outlet = messaging_outlet_get(outlet_id)
        if outlet is None:
            raise Http404("No such outlet.")
        try:
            action(request, outlet, **ids)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("hub-outlets")

    return view


@outlet_action
def outlet_delete(request: HttpRequest, outlet: MessagingOutlet) -> None:
    messaging_outlet_delete(outlet=outlet, user=request.user)
    messages.success(
        request, _("%(name)s is disconnected. Its conversations stay in the inbox.") % {"name": outlet.name}
    )


@outlet_action
def outlet_test(request: HttpRequest, outlet: MessagingOutlet) -> None:
    """The service says in words what the platform answered; it is shown as it is."""
    messages.info(request, messaging_outlet_test_send(outlet=outlet, address=request.POST.get("address", "")))


@outlet_action
def outlet_template_add(request: HttpRequest, outlet: MessagingOutlet) -> None:
    form = WhatsAppTemplateForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Give the template's name and language."))
    template = whatsapp_template_add(outlet=outlet, **form.cleaned_data)
    messages.success(request, _("Template %(name)s added.") % {"name": template.name})


@outlet_action
def outlet_template_delete(request: HttpRequest, outlet: MessagingOutlet, template_id: str) -> None:
    """Removing what is already gone is done, not an error (a double click)."""
    template = whatsapp_template_get(outlet, template_id)
    if template is not None:
        whatsapp_template_remove(template=template)
