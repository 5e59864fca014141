"""The one outbound verb: everything the coach or the team sends a person goes through
`message_send` — a reply to what they wrote, a team member's message, and (next) check-ins,
reminders and nudges. Stored first, then delivered by the conversation's outlet after commit,
with a delivery state and an idempotency key."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from analytics.models import Event
from analytics.services import EventSpec, event_record, events_record
from conversations.models import Contact, Conversation, Delivery, Message
from conversations.outlets import outlet_get
from conversations.outlets.base import Outlet
from knowledge.answering import Answer

logger = logging.getLogger(__name__)


class Unreachable(Exception):
    """The person cannot be reached (no outlet that can start a conversation, or they opted out)."""


def message_send(
    *,
    contact: Contact,
    text: str,
    author: str = Message.Author.AI,
    conversation: Conversation | None = None,
    author_name: str = "",
    idempotency_key: str | None = None,
    in_reply_to: Message | None = None,
    answer: Answer | None = None,
    proactive: bool = False,
    template: dict[str, Any] | None = None,
    routed_because: str = "",
    events: list[EventSpec | None] | None = None,
    conversation_fields: dict[str, Any] | None = None,
) -> Message | None:
    """Store and deliver one message to a person; the same idempotency key twice is one message.

    A reply (`in_reply_to`) by the coach is dropped (None) when a team member took the conversation
    over while it was being written. A `proactive` message (the coach writing first) goes the way
    the router picks (the person's preferred outlet, else the next that can carry it) and raises
    Unreachable when none can — opted out, blocked, WhatsApp's window closed without a `template`
    ({"name", "language", "values"}, used by WhatsApp outside the window). `events` are recorded in
    the same transaction as the message."""
    if conversation is not None and conversation.contact_id != contact.pk:
        raise ValueError("this conversation belongs to another contact")
    if idempotency_key:
        existing = Delivery.objects.select_related("message__conversation").filter(idempotency_key=idempotency_key)
        existing = existing.first()
        if existing is not None:
            if existing.message.conversation.contact_id != contact.pk:
                raise ValueError("this idempotency key was used for another contact")
            return existing.message
    if conversation is None or (proactive and in_reply_to is None):
        from conversations.services.outbound import route_check, route_pick

        if conversation is None or route_check(conversation=conversation, template=template):
            route = route_pick(contact=contact, template=template, proactive=proactive)
            conversation = route.conversation
            routed_because = routed_because or "; ".join(route.passed_over)
    outlet = outlet_get(conversation.outlet)
    try:
        with transaction.atomic():
            if in_reply_to is not None and author == Message.Author.AI:
                held = Conversation.objects.select_for_update().filter(pk=conversation.pk, handler="ai").exists()
                if not held:
                    logger.info("conversation %s was taken over while answering; the reply is dropped", conversation.pk)
                    return None
            message = Message.objects.create(
                conversation=conversation,
                author=author,
                author_name=author_name,
                text=text,
                citations=answer.citations if answer else [],
                language=answer.language if answer else "",
                grounded=answer.grounded if answer else False,
                backend=answer.backend if answer else "",
                incomplete=answer.incomplete if answer else False,
                in_reply_to=in_reply_to,
            )
            Conversation.objects.filter(pk=conversation.pk).update(
                updated_at=message.created_at, **(conversation_fields or {})
            )
            delivery = Delivery(
                message=message,
                outlet=outlet.name,
                status=Delivery.Status.SENT if outlet.capabilities.in_band else Delivery.Status.QUEUED,
                idempotency_key=idempotency_key or None,
                template=template,
                proactive=proactive,
                reason=f"routed here: {routed_because}"[:300] if routed_because else "",
            )
            # A reply on the socket or HTTP response the person holds open is delivered as it is
            # written: nothing to track, so no row (a query per reply saved). Everything else is kept.
            if not (outlet.capabilities.in_band and in_reply_to is not None and not idempotency_key):
                delivery.save(force_insert=True)
            message_out = EventSpec(
                kind=Event.Kind.MESSAGE_OUT,
                contact_id=conversation.contact_id,
                conversation_id=conversation.pk,
                subject_id=message.pk,
                outlet=outlet.name,
                author=author,
                # A reply's time since the question, in seconds (reports' "time to first reply").
                value=(message.created_at - in_reply_to.created_at).total_seconds() if in_reply_to else None,
            )
            rerouted = None
            if routed_because:
                rerouted = EventSpec(
                    kind=Event.Kind.DELIVERY_REROUTED,
                    contact_id=conversation.contact_id,
                    conversation_id=conversation.pk,
                    subject_id=message.pk,
                    outlet=outlet.name,
                    # Events carry no text: the outlets passed over, by name (the reasons are on the Delivery).
                    data={"passed_over": _outlet_names(routed_because)},
                )
            events_record([e for e in [message_out, rerouted, *(events or [])] if e])
            schema = connection.schema_name
            transaction.on_commit(lambda: _attempt_in(schema, outlet=outlet, delivery=delivery, message=message))
    except IntegrityError:
        if not idempotency_key:
            raise
        return Delivery.objects.select_related("message").get(idempotency_key=idempotency_key).message
    return message


def _outlet_names(reasons: str) -> list[str]:
    """The outlet names that start "name: why" reasons (events keep names, not the words)."""
    names = [part.split(":", 1)[0].strip() for part in reasons.split("; ") if ":" in part]
    return [name[:20] for name in names if name.isidentifier()][:8]


def _attempt_in(schema: str, **kwargs: Any) -> None:
    """Commit callbacks can run after the code that queued them left the creator's schema (a job's
    tenant context closes before the outer transaction commits): deliver in the message's own."""
    if connection.schema_name == schema:
        delivery_attempt(**kwargs)
        return
    with schema_context(schema):
        delivery_attempt(**kwargs)


def delivery_attempt(*, outlet: Outlet, delivery: Delivery, message: Message) -> Delivery:
    """Hand the committed message to its outlet and keep what became of it (where it has a row)."""
    try:
        result = outlet.deliver(delivery, message)
    except Exception as exc:  # an outlet's bug must not lose the stored message
        logger.exception("delivering message %s through %s failed", message.pk, outlet.name)
        result_status, reason, outlet_message_id = Delivery.Status.FAILED, type(exc).__name__, ""
    else:
        result_status, reason, outlet_message_id = result.status, result.reason, result.outlet_message_id
    if delivery._state.adding or (result_status == delivery.status and not reason and not outlet_message_id):
        return delivery
    return delivery_update(
        delivery=delivery, status=result_status, reason=reason, outlet_message_id=outlet_message_id, attempt=True
    )


def delivery_update(
    *, delivery: Delivery, status: str, reason: str = "", outlet_message_id: str = "", attempt: bool = False
) -> Delivery:
    """A delivery moves on (sent, delivered, read, failed); a failure records its event."""
    with transaction.atomic():
        fields: dict[str, Any] = {"status": status, "reason": reason[:300], "updated_at": timezone.now()}
        if outlet_message_id:
            fields["outlet_message_id"] = outlet_message_id[:200]
        if attempt:
            fields["attempts"] = F("attempts") + 1
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
        if status == Delivery.Status.FAILED:
            message = delivery.message
            event_record(
                Event.Kind.DELIVERY_FAILED,
                contact_id=message.conversation.contact_id,
                conversation_id=message.conversation_id,
                subject_id=message.pk,
                outlet=delivery.outlet,
            )
    delivery.refresh_from_db()
    return delivery
