"""Conversations with end users: who they are, what was said, and the coach's reply."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from coaching.selectors import persona_get
from conversations.models import Contact, Conversation, Message
from knowledge.answering import Answer, Turn, Voice, answer

logger = logging.getLogger(__name__)
PHONE = re.compile(r"^\+?[0-9]{6,15}$")


class ConversationNotFound(Exception):
    """The conversation does not exist or belongs to another contact."""


def normalize_contact_reference(*, external_id: str = "", email: str = "", phone: str = "") -> dict[str, str]:
    reference: dict[str, str] = {}
    if external_id.strip():
        reference["external_id"] = external_id.strip()[:200]
    if email.strip():
        email = email.strip().lower()
        validate_email(email)
        reference["email"] = email
    if phone.strip():
        digits = re.sub(r"[\s().-]", "", phone)
        if not PHONE.match(digits):
            raise ValidationError({"phone": "Give the phone number in international form, e.g. +34600111222."})
        reference["phone"] = digits if digits.startswith("+") else f"+{digits}"
    if not reference:
        raise ValidationError({"contact": "Identify the contact by external_id, email or phone."})
    return reference


def contact_resolve(**reference: str) -> Contact:
    """The contact any of these identifiers points to, created on first sight."""
    normalized = normalize_contact_reference(**reference)
    with transaction.atomic():
        for field, value in normalized.items():
            contact = Contact.objects.select_for_update().filter(**{field: value}).first()
            if contact is not None:
                break
        else:
            return Contact.objects.create(**normalized)
        changed = [field for field, value in normalized.items() if getattr(contact, field) is None]
        for field in changed:
            setattr(contact, field, normalized[field])
        contact.last_seen_at = timezone.now()
        contact.save(update_fields=[*changed, "last_seen_at"])
    return contact


def _voice() -> Voice:
    persona = persona_get()
    return Voice(coach_name=persona.coach_name, voice=persona.voice, rules=persona.rules)


def chat_turn(
    *, contact: Contact, text: str, conversation_id: str | None = None, outlet: str = "api"
) -> tuple[Conversation, Message]:
    """Store the user's message first (it is never lost), then answer it and store the reply."""
    text = text.strip()
    if not text:
        raise ValidationError({"message": "Write a message."})
    if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ValidationError({"message": f"Keep messages under {settings.CHAT_MAX_MESSAGE_CHARS} characters."})
    with transaction.atomic():
        if conversation_id:
            conversation = Conversation.objects.filter(pk=conversation_id, contact=contact).first()
            if conversation is None:
                raise ConversationNotFound(conversation_id)
        else:
            conversation = Conversation.objects.create(contact=contact, outlet=outlet)
        Message.objects.create(conversation=conversation, author=Message.Author.USER, text=text)
    history = [
        Turn("user" if m.author == Message.Author.USER else "coach", m.text)
        for m in reversed(conversation.messages.order_by("-created_at")[1 : settings.CONVERSATION_WINDOW + 1])
    ]
    reply = _answer_or_fallback(text, history, conversation.summary)
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            author=Message.Author.AI,
            text=reply.text,
            citations=reply.citations,
            language=reply.language,
            grounded=reply.grounded,
            backend=reply.backend,
            incomplete=reply.incomplete,
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            language=reply.language, summary=running_summary(conversation), updated_at=timezone.now()
        )
    conversation.refresh_from_db()
    return conversation, message


def running_summary(conversation: Conversation, limit: int = 1500) -> str:
    """What the user said before the window the model sees: their own words, first sentence each,
    newest kept when it no longer fits. Nothing is invented, so it is safe for the embedded composer too."""
    older = conversation.messages.filter(author=Message.Author.USER).order_by("-created_at")[
        settings.CONVERSATION_WINDOW // 2 :
    ]
    lines: list[str] = []
    for message in older:
        first = re.split(r"(?<=[.!?])\s", message.text.strip(), maxsplit=1)[0][:200]
        if sum(len(line) + 3 for line in lines) + len(first) > limit:
            break
        lines.append(first)
    return " · ".join(reversed(lines)) if lines else ""


def _answer_or_fallback(text: str, history: list[Turn], summary: str) -> Answer:
    from knowledge.answering import fallback_answer
    from knowledge.language import detect_language
    from knowledge.vectors import VectorStoreUnavailable

    try:
        return answer(text, voice=_voice(), history=history, summary=summary)
    except VectorStoreUnavailable as exc:
        logger.warning("vector store unavailable while answering: %s", exc)
        return fallback_answer(detect_language(text))
