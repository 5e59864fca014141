"""Reads of conversations, always inside the current creator's schema."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from conversations.models import (
    Contact,
    ContactIdentity,
    ContactMemory,
    Conversation,
    Delivery,
    Message,
    MessageMedia,
    MessagingOutlet,
    Persona,
    TeamNotification,
    WhatsAppTemplate,
    Widget,
)
from knowledge.models import creator_media_dir
from tenants.scope import creator_schema

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
    """Conversations with at least one message, flagged ones (a person who may be in crisis) first,
    then newest first, with unread counts and the last line."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at")
    unread = Q(messages__author=Message.Author.USER) & (
        Q(last_read_at__isnull=True) | Q(messages__created_at__gt=F("last_read_at"))
    )
    return (
        Conversation.objects.select_related("contact")
        .annotate(message_count=Count("messages"), unread=Count("messages", filter=unread))
        .filter(message_count__gt=0)
        .annotate(last_text=Subquery(last.values("text")[:1]), last_author=Subquery(last.values("author")[:1]))
        .order_by(F("flagged_at").desc(nulls_last=True), "-updated_at")
    )


def conversation_for_team(conversation_id: Any) -> Conversation | None:
    return Conversation.objects.select_related("contact").filter(pk=parsed_uuid(conversation_id)).first()


def team_notifications_for(*, user_id: int) -> QuerySet[TeamNotification]:
    """One member's own notifications, newest first, with the person each names (the link needs only
    the conversation's id)."""
    return TeamNotification.objects.filter(user_id=user_id).select_related("contact").order_by("-created_at")


def team_notifications_unread_count(*, user_id: int) -> int:
    """What the hub's bell shows: one indexed count (notification_unread) per page."""
    return TeamNotification.objects.filter(user_id=user_id, read_at__isnull=True).count()


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


# --- Messaging outlets (hub → Outlets, /api/v1/outlets) -----------------------------------------

UNDELIVERED = (Delivery.Status.FAILED, Delivery.Status.DEAD_LETTER)


def messaging_outlets_list(*, now: datetime) -> QuerySet[MessagingOutlet]:
    """The creator's bots and numbers, oldest first, with their templates and how many messages
    through each were not delivered (failed or dead-lettered) in the seven days before `now`."""
    undelivered = (
        Delivery.objects.filter(
            message__conversation__messaging_outlet=OuterRef("pk"),
            status__in=UNDELIVERED,
            created_at__gte=now - timedelta(days=7),
        )
        .order_by()
        .values("message__conversation__messaging_outlet")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        MessagingOutlet.objects.prefetch_related("templates")
        .annotate(undelivered_7d=Coalesce(Subquery(undelivered, output_field=IntegerField()), Value(0)))
        .order_by("created_at")
    )


def messaging_outlet_get(outlet_id: Any) -> MessagingOutlet | None:
    return MessagingOutlet.objects.prefetch_related("templates").filter(pk=parsed_uuid(outlet_id)).first()


def whatsapp_template_get(outlet: MessagingOutlet, template_id: Any) -> WhatsAppTemplate | None:
    return WhatsAppTemplate.objects.filter(outlet=outlet, pk=parsed_uuid(template_id)).first()


def outlet_test_addresses(outlet: MessagingOutlet, limit: int = 50) -> list[ContactIdentity]:
    """Chats and numbers that wrote to this outlet, the latest to write first: where a test may go."""
    identities = ContactIdentity.objects.select_related("contact").filter(messaging_outlet=outlet)
    return list(identities.order_by(F("last_inbound_at").desc(nulls_last=True), "-created_at")[:limit])


def conversation_thread(conversation: Conversation) -> QuerySet[Message]:
    """A conversation's messages, oldest first, with their deliveries (oldest first, as a list in
    `delivery_list`) and their voice notes and images."""
    deliveries = Prefetch("deliveries", queryset=Delivery.objects.order_by("created_at"), to_attr="delivery_list")
    return (
        conversation.messages.select_related("in_reply_to").prefetch_related(deliveries, "media").order_by("created_at")
    )


def contact_other_conversations(conversation: Conversation) -> list[Conversation]:
    """The same person's other threads (another outlet, an earlier one), the latest first."""
    others = Conversation.objects.filter(contact_id=conversation.contact_id).exclude(pk=conversation.pk)
    return list(others.order_by("-updated_at")[:20])


def message_media_get(media_id: Any) -> MessageMedia | None:
    """A stored voice note or image of this creator's: looked up in this schema only, and refused
    unless its file lies under this creator's folder (a row can never point at another's file)."""
    media = MessageMedia.objects.filter(pk=parsed_uuid(media_id)).exclude(file="").first()
    if media is None or not media.file.name.startswith(f"{creator_media_dir(creator_schema())}/"):
        return None
    return media
