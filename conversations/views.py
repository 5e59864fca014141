"""The embeddable widget (public, on the creator's host) and the hub's inbox and widget settings."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST, require_safe

from conversations import services
from conversations.forms import MemoryForm, WidgetForm
from conversations.identity import TOKEN_MAX_AGE_SECONDS, VISITOR_COOKIE, identity_from_token, visitor_token_new
from conversations.models import ContactMemory, Widget, bare_origin
from conversations.selectors import (
    contact_memory,
    conversation_for_team,
    conversation_message,
    inbox_conversations,
    widget_by_key,
    widget_first,
)
from tenants.hub import hub_view
from tenants.roles import Capability


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
        "title": f"Chat with {request.tenant.name}",
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
    if identity_from_token(token, schema=schema) is None:
        token = visitor_token_new(schema=schema)
    # Only what is still a bare origin goes into the header, whatever an older version let through.
    ancestors = [origin for origin in map(bare_origin, widget.allowed_origins) if origin]
    context = {
        "widget": widget,
        "chat": {
            "socket": f"/ws/chat/{widget.key}/",
            "token": token,
            "greeting": widget.greeting,
            "store": widget.key,
            "origins": ancestors,  # the only embedding pages the frame talks to
        },
    }
    response = render(request, "conversations/widget_frame.html", context)
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
    widget = widget_first()
    form = WidgetForm(request.POST if request.method == "POST" else None, instance=widget)
    if request.method == "POST" and can_edit and form.is_valid():
        form.save()
        messages.success(request, "Your chat widget is saved. Sites with the snippet show the change within minutes.")
        return redirect("hub-widget")
    snippet = f'<script src="{request.build_absolute_uri(f"/widget/{widget.key}.js")}" async></script>'
    return render(
        request,
        "conversations/widget_settings.html",
        {"form": form, "widget": widget, "snippet": snippet, "can_edit": can_edit},
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
        "messages_": conversation.messages.select_related("in_reply_to").order_by("created_at"),
        "memories": conversation.contact.memories.all(),
        "memory_kinds": ContactMemory.Kind.choices,
    }
    template = (
        "conversations/conversation_live.html" if request.GET.get("partial") else "conversations/conversation.html"
    )
    return render(request, template, context)


@require_POST
@hub_view(Capability.ANSWER_CONVERSATIONS)
def conversation_act(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """Take over, hand back, write, rate, correct, or edit what the coach remembers."""
    conversation = conversation_for_team(conversation_id)
    if conversation is None:
        raise Http404("No such conversation.")
    action, post = request.POST.get("action"), request.POST
    try:
        if action == "take_over":
            services.conversation_take_over(conversation=conversation, member=request.user)
        elif action == "hand_back":
            services.conversation_hand_back(conversation=conversation)
        elif action == "send":
            services.member_message_send(conversation=conversation, member=request.user, text=post.get("text", ""))
        elif action in ("rate", "correct"):
            message = conversation_message(conversation, post.get("message"))
            if message is None:
                raise Http404("No such message.")
            if action == "rate":
                services.message_rate(message=message, rating=int(post.get("rating", "0") or 0))
            else:
                services.message_correct(message=message, text=post.get("correction", ""), member=request.user)
                messages.success(request, "Thanks: the correction is now a note in your knowledge base.")
        elif action in ("remember", "forget"):
            _memory_act(conversation.contact, action, post)
        else:
            raise ValidationError("Unknown action.")
    except (ValidationError, ValueError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("hub-conversation", conversation_id=conversation.pk)


def _memory_act(contact: services.Contact, action: str, post: dict) -> None:
    item = contact_memory(contact, post.get("memory")) if post.get("memory") else None
    if action == "forget":
        if item is not None:
            services.memory_forget(contact=contact, memory_id=item.pk)
        return
    form = MemoryForm(post)
    if not form.is_valid():
        raise ValidationError("Choose what kind of fact it is and write it in up to 300 characters.")
    services.memory_save(contact=contact, item=item, **form.cleaned_data)
