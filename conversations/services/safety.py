"""A person in crisis: noticed before any answer, on every outlet. The coach replies with the
creator's safety message, the AI pauses for that conversation (until a team member answers or
clears the flag), the conversation is flagged, the team is alerted, and nothing the coach starts
goes to that person meanwhile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from analytics.models import Event
from analytics.services import event_record
from conversations.models import Contact, Conversation, TeamNotification
from conversations.phrases import phrase
from conversations.safety import crisis_signal
from conversations.selectors import persona_get
from conversations.services.notifications import team_notify
from knowledge.answering import Answer

if TYPE_CHECKING:
    from conversations.services.turns import Turn


def check_safety(turn: Turn) -> None:
    """A crisis in this message flags the conversation; while it is flagged and no team member has
    answered, every message gets the safety message again, never an AI answer."""
    conversation = turn.message.conversation
    signal = crisis_signal(turn.message.text) if turn.created else None
    # Flagged here and no team member has answered yet, or flagged on another outlet and not cleared.
    here = conversation.flagged_at is not None and conversation.handler_user_id is None
    elsewhere = turn.contact.crisis_at is not None and conversation.flagged_at is None
    waiting = here or elsewhere
    if signal is None and not waiting:
        return
    if signal is not None and conversation.flagged_at is None:
        conversation_flag(conversation=conversation, reason=signal)
    language = turn.extra.get("language") or conversation.contact.language or conversation.language
    text = phrase(persona_get(), "safety", language)
    turn.answer = Answer(text, [], language, grounded=False, backend="safety")
    turn.extra["safety"] = True


def conversation_flag(*, conversation: Conversation, reason: str) -> Conversation:
    """Flag, pause the AI (handler `human`, nobody yet) and alert the team, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        updated = Conversation.objects.filter(pk=conversation.pk, flagged_at__isnull=True).update(
            flagged_at=now, flag_reason=reason[:20], handler=Conversation.Handler.HUMAN
        )
        Contact.objects.filter(pk=conversation.contact_id).update(crisis_at=now)
        if updated:
            event_record(
                Event.Kind.CONVERSATION_FLAGGED,
                contact_id=conversation.contact_id,
                conversation_id=conversation.pk,
                outlet=conversation.outlet,
                data={"reason": reason},
            )
            team_notify(kind=TeamNotification.Kind.CRISIS, contact=conversation.contact, conversation=conversation)
    conversation.flagged_at, conversation.flag_reason = now, reason
    conversation.handler = Conversation.Handler.HUMAN
    return conversation


def conversation_flag_clear(*, conversation: Conversation) -> Conversation:
    """A team member looked after the person: the flag goes (the conversation stays with them until
    they hand it back to the coach)."""
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(flagged_at=None, flag_reason="")
        if not Conversation.objects.filter(contact_id=conversation.contact_id, flagged_at__isnull=False).exists():
            Contact.objects.filter(pk=conversation.contact_id).update(crisis_at=None)
        event_record(
            Event.Kind.CONVERSATION_FLAG_CLEARED,
            contact_id=conversation.contact_id,
            conversation_id=conversation.pk,
            outlet=conversation.outlet,
        )
    conversation.flagged_at, conversation.flag_reason = None, ""
    return conversation
