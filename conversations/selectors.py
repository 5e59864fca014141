"""Reads of conversations, always inside the current creator's schema."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from conversations.models import Contact, ContactIdentity, ContactMemory, Conversation, Message, Persona, Widget

WIDGET_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")  # new_widget_key: "wk_" and URL-safe base64


def parsed_uuid(value: Any) -> uuid.UUID | None:
    """Ids arrive from URLs, forms and frames: anything that is not a UUID matches nothing."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def widget_by_key(key: str) -> Widget | None:
    """Keys come from URLs and socket paths: one that cannot be a key (a NUL, which Postgres refuses
    in a string, or any other odd character) matches nothing without a query."""
    return Widget.objects.filter(key=key).first() if isinstance(key, str) and WIDGET_KEY.fullmatch(key) else None


def widget_first() -> Widget | None:
    """The creator's first widget, if any yet; `services.widget_ensure` makes one when none is."""
    return Widget.objects.order_by("created_at").first()


def widgets_list() -> QuerySet[Widget]:
    return Widget.objects.order_by("created_at")


def widget_get(widget_id: Any) -> Widget | None:
    return Widget.objects.filter(pk=parsed_uuid(widget_id)).first()


def conversation_history(*, conversation: Conversation, after: str | None = None, limit: int = 50) -> list[Message]:
    """Messages the browser has not seen: those after `after`, else the latest `limit`."""
    messages = conversation.messages.all()
    if after:
        anchor = messages.filter(pk=parsed_uuid(after)).values("created_at").first()
        if anchor is not None:
            return list(messages.filter(created_at__gt=anchor["created_at"]).order_by("created_at")[:500])
    return list(reversed(messages.order_by("-created_at")[:limit]))


def inbox_conversations() -> QuerySet[Conversation]:
    """Conversations with at least one message, newest first, with unread counts and the last line."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at")
    unread = Q(messages__author=Message.Author.USER) & (
        Q(last_read_at__isnull=True) | Q(messages__created_at__gt=F("last_read_at"))
    )
    return (
        Conversation.objects.select_related("contact")
        .annotate(message_count=Count("messages"), unread=Count("messages", filter=unread))
        .filter(message_count__gt=0)
        .annotate(last_text=Subquery(last.values("text")[:1]), last_author=Subquery(last.values("author")[:1]))
        .order_by("-updated_at")
    )


def conversation_for_team(conversation_id: Any) -> Conversation | None:
    return Conversation.objects.select_related("contact").filter(pk=parsed_uuid(conversation_id)).first()


def contact_by_id(contact_id: Any) -> Contact | None:
    return Contact.objects.filter(pk=parsed_uuid(contact_id)).first()


def contact_memory(contact: Contact, memory_id: Any) -> ContactMemory | None:
    return contact.memories.filter(pk=parsed_uuid(memory_id)).first()


def conversation_message(conversation: Conversation, message_id: Any) -> Message | None:
    return conversation.messages.filter(pk=parsed_uuid(message_id)).first()


def conversations_for_api() -> QuerySet[Conversation]:
    """Every conversation with its counts and last line as per-row subqueries, so a page of 50
    costs the same with ten rows or a million (Postgres evaluates them after the LIMIT)."""
    messages = Message.objects.filter(conversation=OuterRef("pk"))
    last = messages.order_by("-created_at")

    def counted(queryset: QuerySet[Message]) -> Coalesce:
        total = queryset.order_by().values("conversation").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))

    unread = messages.filter(author=Message.Author.USER).filter(
        Q(conversation__last_read_at__isnull=True) | Q(created_at__gt=OuterRef("last_read_at"))
    )
    return Conversation.objects.select_related("contact").annotate(
        message_count=counted(messages),
        unread=counted(unread),
        last_text=Subquery(last.values("text")[:1]),
        last_author=Subquery(last.values("author")[:1]),
    )


def conversation_for_api(conversation_id: Any) -> Conversation | None:
    return conversations_for_api().filter(pk=parsed_uuid(conversation_id)).first()


def contacts_list() -> QuerySet[Contact]:
    return Contact.objects.all()


def device_link_preview(*, visitor_id: uuid.UUID) -> dict[str, Any]:
    """What confirming a browser link would hand over, so the person can recognise (or refuse) it:
    where that browser chatted, since when, and how it began."""
    visitor = ContactIdentity.objects.select_related("contact").filter(outlet="web", address=str(visitor_id)).first()
    if visitor is None:
        return {"messages": 0, "first": None, "started_at": None, "sites": [], "signed_in_as_other": False}
    messages = Message.objects.filter(conversation__contact=visitor.contact, author=Message.Author.USER)
    first = messages.order_by("created_at").first()
    widget_ids = Conversation.objects.filter(contact=visitor.contact, widget__isnull=False).values("widget_id")
    widgets = Widget.objects.filter(pk__in=widget_ids)
    return {
        "messages": messages.count(),
        "first": first.text[:140] if first else None,
        "started_at": first.created_at if first else visitor.created_at,
        "sites": sorted({origin for widget in widgets for origin in widget.allowed_origins[:1]}),
        "signed_in_as_other": not visitor.contact.anonymous,
    }


def persona_get() -> Persona:
    """The current schema's persona. Every creator schema holds one (coaching migration 0002, cloned
    with the template); should it be missing, an unsaved default speaks for it, because a read must
    not write (persona_ensure, a service, is what stores one)."""
    return Persona.objects.order_by("pk").first() or Persona()
