"""The team in the conversation: taking over, handing back, writing, rating and correcting."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import event_record
from conversations.models import Conversation, Message
from conversations.outlets import outlet_get
from conversations.outlets.remote import RemoteOutlet
from conversations.payloads import message_payload
from conversations.realtime import publish_on_commit
from conversations.selectors import persona_get
from conversations.services.delivery import message_send
from tenants.scope import creator_schema

logger = logging.getLogger(__name__)


# --- The team in the conversation -------------------------------------------------------------


def _system_message(conversation: Conversation, text: str) -> Message:
    """A notice in the conversation. On a platform (Telegram, WhatsApp) it is sent like any message,
    through the outbound verb; on the web the handler event below carries it to the open page."""
    if isinstance(outlet_get(conversation.outlet), RemoteOutlet):
        return message_send(
            contact=conversation.contact, conversation=conversation, text=text, author=Message.Author.SYSTEM
        )
    message = Message.objects.create(conversation=conversation, author=Message.Author.SYSTEM, text=text)
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=message.created_at)
    return message


def conversation_take_over(*, conversation: Conversation, member: Any) -> Conversation:
    """The AI pauses; the person sees that someone from the team joined."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.handler == Conversation.Handler.HUMAN and conversation.handler_user_id == member.pk:
            return conversation
        name = member.get_full_name() or member.email.split("@")[0]
        conversation.handler, conversation.handler_user_id, conversation.handler_name = "human", member.pk, name
        conversation.save(update_fields=["handler", "handler_user_id", "handler_name"])
        with translation.override(conversation.language):
            notice = _system_message(
                conversation, _("%(name)s from the team joined the conversation.") % {"name": name}
            )
        _handler_event(Event.Kind.TAKEOVER, conversation)
        publish_on_commit(
            creator_schema(),
            conversation.pk,
            {"event": "handler", "handler": "human", "name": name, "message": message_payload(notice)},
        )
    return conversation


def conversation_hand_back(*, conversation: Conversation) -> Conversation:
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.handler == Conversation.Handler.AI:
            return conversation
        conversation.handler, conversation.handler_user_id, conversation.handler_name = "ai", None, ""
        conversation.save(update_fields=["handler", "handler_user_id", "handler_name"])
        with translation.override(conversation.language):
            notice = _system_message(
                conversation, _("%(coach)s is back to help you.") % {"coach": persona_get().coach_name}
            )
        _handler_event(Event.Kind.HAND_BACK, conversation)
        publish_on_commit(
            creator_schema(),
            conversation.pk,
            {"event": "handler", "handler": "ai", "name": "", "message": message_payload(notice)},
        )
    return conversation


def member_message_send(*, conversation: Conversation, member: Any, text: str) -> Message:
    """A team member writes to the person; writing takes the conversation over if nobody had."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write a message."})
    if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ValidationError({"text": f"Keep messages under {settings.CHAT_MAX_MESSAGE_CHARS} characters."})
    conversation = conversation_take_over(conversation=conversation, member=member)
    return message_send(
        contact=conversation.contact,
        conversation=conversation,
        text=text,
        author=Message.Author.HUMAN,
        author_name=conversation.handler_name,
        conversation_fields={"last_read_at": timezone.now()},
    )


def _handler_event(kind: str, conversation: Conversation) -> None:
    event_record(
        kind,
        contact_id=conversation.contact_id,
        conversation_id=conversation.pk,
        outlet=conversation.outlet,
        author=Message.Author.HUMAN,
    )


def conversation_mark_read(*, conversation: Conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(last_read_at=timezone.now())


def message_rate(*, message: Message, rating: int) -> Message:
    if message.author != Message.Author.AI:
        raise ValidationError({"rating": "Only the coach's replies can be rated."})
    if rating not in (1, -1):
        raise ValidationError({"rating": "Rate a reply good (1) or bad (-1)."})
    message.rating = rating
    message.save(update_fields=["rating"])
    return message


def message_correct(*, message: Message, text: str, member: Any) -> Message:
    """A corrected reply becomes the pinned answer to the question it answered (matched in either
    language next time), so the coach says exactly that; with no question to pin it to, a note."""
    from knowledge.services import curated_answer_from_correction, note_create

    if message.author != Message.Author.AI:
        raise ValidationError({"correction": "Only the coach's replies can be corrected."})
    text = text.strip()
    if not text:
        raise ValidationError({"correction": "Write the answer the coach should have given."})
    question = message.in_reply_to.text if message.in_reply_to_id else ""
    with transaction.atomic():
        if question:
            curated_answer_from_correction(question=question, answer=text, member_email=member.email)
        else:
            note_create(title="Correction", text=text, tags=["correction"], written_by=member.email)
        message.correction, message.rating = text, -1
        message.save(update_fields=["correction", "rating"])
    return message
