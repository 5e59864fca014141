"""Messages on their way out through a platform (Telegram, WhatsApp, email): the sending job, its
retries and dead letter, the platform's receipts, and the router that picks — and, when a platform
refuses, re-picks — the way to reach a person.

`message_send` (delivery.py) stores every message and asks the conversation's outlet to deliver it;
remote outlets hand that to `delivery_send_now` in a job, here.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from analytics.models import Event
from analytics.services import event_record
from conversations.models import Contact, ContactIdentity, Conversation, Delivery, Message, MessagingOutlet
from conversations.outlets import UnknownOutlet, outlet_get
from conversations.outlets.base import PartialSend, SendLater, SendRefused
from conversations.outlets.remote import RemoteOutlet
from tenants.scope import creator_key

logger = logging.getLogger(__name__)
# A status moves forward only: a late "delivered" never undoes "read".
STATUS_RANK = {
    Delivery.Status.QUEUED: 0,
    Delivery.Status.SENT: 1,
    Delivery.Status.DELIVERED: 2,
    Delivery.Status.READ: 3,
}


@dataclass(frozen=True)
class Route:
    """Where a message the coach starts goes, and why the ways before it were passed over."""

    conversation: Conversation
    passed_over: tuple[str, ...] = ()


def identity_for(conversation: Conversation) -> ContactIdentity | None:
    """The person's address on the conversation's outlet (and bot or number): a phone-number id
    before a business-scoped one on WhatsApp, the newest first."""
    identities = ContactIdentity.objects.filter(contact_id=conversation.contact_id, outlet=conversation.outlet)
    if conversation.messaging_outlet_id:
        identities = identities.filter(messaging_outlet_id=conversation.messaging_outlet_id)
    candidates = list(identities.order_by("-created_at"))
    candidates.sort(key=lambda identity: "." in identity.address)  # phone numbers first (stable)
    return candidates[0] if candidates else None


def _refusal(
    outlet_name: str, identity: ContactIdentity | None, contact: Contact, template: dict | None, proactive: bool = True
) -> str:
    try:
        outlet = outlet_get(outlet_name)
    except UnknownOutlet:
        return f"{outlet_name}: not an outlet of this installation"
    if not outlet.capabilities.reaches_proactively and not (
        outlet.capabilities.in_band and contact.push_subscriptions.exists()
    ):
        return f"{outlet_name}: the coach cannot write first here"
    if proactive and identity is not None and identity.opted_out_at is not None:
        return f"{outlet_name}: the person opted out here"
    if identity is not None and identity.unreachable_at is not None:
        return f"{outlet_name}: {identity.unreachable_reason or 'unreachable'}"
    if (
        proactive
        and outlet_name == "email"
        and (contact.opted_out_at is not None or contact.identities.filter(opted_out_at__isnull=False).exists())
    ):  # the last resort is not a way around a STOP the person sent elsewhere
        return "email: the person opted out on another outlet"
    if proactive and outlet_name == "app" and contact.opted_out_at is not None:
        return "app: the person opted out here"
    if isinstance(outlet, RemoteOutlet):
        why = outlet.carry_refusal(identity=identity, template=template)
        return f"{outlet_name}: {why}" if why else ""
    return ""


def route_check(*, conversation: Conversation, template: dict | None = None) -> str:
    """Why a message the coach starts cannot go to this conversation now ("" when it can)."""
    identity = None if conversation.outlet in ("app", "web", "api") else identity_for(conversation)
    if identity is None and isinstance(_outlet_or_none(conversation.outlet), RemoteOutlet):
        return f"{conversation.outlet}: no identity there"
    return _refusal(conversation.outlet, identity, conversation.contact, template)


def _outlet_or_none(name: str) -> object:
    try:
        return outlet_get(name)
    except UnknownOutlet:
        return None


def route_pick(
    *, contact: Contact, template: dict | None = None, exclude: tuple[str, ...] = (), proactive: bool = True
) -> Route:
    """The way to reach a person with a message the coach starts: their preferred outlet, then the
    latest conversation's, then OUTBOUND_ROUTE_ORDER over their identities. Raises Unreachable
    (with every reason) when none can carry it."""
    from conversations.services.delivery import Unreachable

    if proactive and Contact.objects.filter(pk=contact.pk, crisis_at__isnull=False).exists():
        raise Unreachable("the person may be in crisis: the team looks after them, the coach does not write first")
    order: list[str] = []
    latest = contact.conversations.exclude(outlet__in=exclude).order_by("-updated_at").first()
    for name in [contact.preferred_outlet, latest.outlet if latest else "", *settings.OUTBOUND_ROUTE_ORDER]:
        if name and name not in order and name not in exclude:
            order.append(name)
    passed: list[str] = []
    for name in order:
        conversation = contact.conversations.filter(outlet=name).order_by("-updated_at").first()
        try:
            remote = isinstance(outlet_get(name), RemoteOutlet)
        except UnknownOutlet:
            passed.append(f"{name}: not an outlet of this installation")
            continue
        if not remote:  # the browser outlets reach people through their conversation (and its push)
            identity = None
            if conversation is None:
                passed.append(f"{name}: no conversation there yet")
                continue
        else:
            identities = ContactIdentity.objects.filter(contact=contact, outlet=name)
            if conversation is not None and conversation.messaging_outlet_id:
                identities = identities.filter(messaging_outlet_id=conversation.messaging_outlet_id)
            identity = identities.order_by("-last_inbound_at", "-created_at").first()
            if identity is None:
                passed.append(f"{name}: no identity there")
                continue
        why = _refusal(name, identity, contact, template, proactive)
        if why:
            passed.append(why)
            continue
        if conversation is None:  # an identity with no thread yet (an imported email address)
            conversation = Conversation.objects.create(
                contact=contact,
                outlet=name,
                messaging_outlet=identity.messaging_outlet if identity else None,
                language=latest.language if latest else "en",
            )
        # Ways the person has but that could not carry it are the reasons; absent ways are not.
        absent = ("no identity there", "no conversation there yet", "not an outlet of this installation")
        return Route(conversation, tuple(p for p in passed if not p.endswith(absent)))
    raise Unreachable("; ".join(passed) or "no outlet can reach this person")


# --- The sending job ----------------------------------------------------------------------------


def delivery_send_now(*, delivery_id: str) -> Delivery | None:
    """Send one queued delivery through its platform. Safe to run twice: only a queued delivery is
    claimed (optimistically, on its updated_at), and parts already sent are never sent again."""
    delivery = Delivery.objects.select_related("message__conversation__contact").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.QUEUED:
        return delivery
    message = delivery.message
    conversation = message.conversation
    outlet = outlet_get(delivery.outlet)
    if not isinstance(outlet, RemoteOutlet):
        return delivery
    identity = identity_for(conversation)
    messaging_outlet = conversation.messaging_outlet
    if identity is not None and identity.unreachable_at is not None:
        return _refused(delivery, SendRefused(identity.unreachable_reason or "unreachable", unreachable=True))
    if delivery.outlet == "telegram" and identity is not None and not _pace(messaging_outlet, identity):
        _later(delivery, settings.TELEGRAM_CHAT_INTERVAL_SECONDS, count=False)
        return delivery
    claimed = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.QUEUED, updated_at=delivery.updated_at)
    if not claimed.update(updated_at=timezone.now()):
        return delivery  # another worker has it
    parts_before = delivery.parts_sent
    try:
        sent = outlet.send(
            delivery=delivery,
            message=message,
            identity=identity,
            messaging_outlet=messaging_outlet,
            part_from=parts_before,
        )
    except PartialSend as exc:
        _parts_sent(delivery, exc.sent)
        return _failure(delivery, exc.cause, outlet_record=messaging_outlet)
    except (SendLater, SendRefused) as exc:
        return _failure(delivery, exc, outlet_record=messaging_outlet)
    except Exception as exc:  # a bug or an unexpected answer: retried, then dead-lettered, never lost
        logger.exception("sending delivery %s through %s failed", delivery.pk, delivery.outlet)
        return _failure(delivery, SendLater(f"unexpected error ({type(exc).__name__})"), outlet_record=messaging_outlet)
    _parts_sent(delivery, sent)
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, reason=_routing(delivery), updated_at=now, attempts=delivery.attempts + 1
        )
        if messaging_outlet is not None:
            MessagingOutlet.objects.filter(pk=messaging_outlet.pk).update(
                last_delivery_at=now, status=MessagingOutlet.Status.ACTIVE
            )
    delivery.refresh_from_db()
    return delivery


def _pace(messaging_outlet: MessagingOutlet | None, identity: ContactIdentity) -> bool:
    """At most one message a second to one Telegram chat (the Bot API's limit): True when this send may go."""
    interval = settings.TELEGRAM_CHAT_INTERVAL_SECONDS
    if interval <= 0:
        return True
    key = creator_key(f"telegram-pace:{messaging_outlet.pk if messaging_outlet else ''}:{identity.address}")
    return cache.add(key, 1, timeout=max(1, int(interval + 0.999)))


def _parts_sent(delivery: Delivery, sent: list[str]) -> None:
    if not sent:
        return
    delivery.parts_sent += len(sent)
    delivery.outlet_message_id = sent[-1][:200]
    Delivery.objects.filter(pk=delivery.pk).update(
        parts_sent=delivery.parts_sent, outlet_message_id=delivery.outlet_message_id
    )


def _later(delivery: Delivery, seconds: float, *, count: bool = True, reason: str = "") -> None:
    from conversations.tasks import delivery_send
    from tenants.scope import creator_schema

    fields: dict[str, Any] = {"updated_at": timezone.now()}
    if count:
        fields["attempts"] = delivery.attempts + 1
    if reason and not _routing(delivery):
        fields["reason"] = f"retrying: {reason}"[:300]
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    delivery_send.send_with_options(args=(creator_schema(), str(delivery.pk)), delay=int(seconds * 1000))


def _routing(delivery: Delivery) -> str:
    """Why the router chose this way, kept on the delivery whatever happens next."""
    return delivery.reason if delivery.reason.startswith("routed here") else ""


def backoff_seconds(attempt: int) -> float:
    """Exponential with jitter: 2, 4, 8... seconds (±25%), capped."""
    base = min(settings.OUTBOUND_MAX_BACKOFF_SECONDS, 2**attempt)
    return base * random.uniform(0.75, 1.25)


def _failure(delivery: Delivery, exc: SendLater | SendRefused, *, outlet_record: MessagingOutlet | None) -> Delivery:
    if isinstance(exc, SendLater):
        attempt = delivery.attempts + 1
        if attempt < settings.OUTBOUND_MAX_ATTEMPTS:
            wait = exc.retry_after if exc.retry_after else backoff_seconds(attempt)
            _later(delivery, min(wait, settings.OUTBOUND_MAX_BACKOFF_SECONDS), reason=exc.reason)
            delivery.refresh_from_db()
            return delivery
        _outlet_error(outlet_record, exc.reason)
        from conversations.services.delivery import delivery_update

        Delivery.objects.filter(pk=delivery.pk).update(attempts=attempt)
        return delivery_update(
            delivery=delivery,
            status=Delivery.Status.DEAD_LETTER,
            reason=f"not delivered after {attempt} tries: {exc.reason}",
        )
    return _refused(delivery, exc, outlet_record=outlet_record)


def _outlet_error(messaging_outlet: MessagingOutlet | None, reason: str, *, broken: bool = False) -> None:
    if messaging_outlet is None:
        return
    fields: dict[str, Any] = {"last_error": reason[:300], "last_error_at": timezone.now()}
    if broken:
        fields["status"] = MessagingOutlet.Status.FAILING
    MessagingOutlet.objects.filter(pk=messaging_outlet.pk).update(**fields)


def _refused(delivery: Delivery, exc: SendRefused, *, outlet_record: MessagingOutlet | None = None) -> Delivery:
    from conversations.services.delivery import delivery_update

    conversation = delivery.message.conversation
    if exc.outlet_broken:
        _outlet_error(outlet_record, exc.reason, broken=True)
    if exc.unreachable:
        identity = identity_for(conversation)
        if identity is not None and identity.unreachable_at is None:
            ContactIdentity.objects.filter(pk=identity.pk).update(
                unreachable_at=timezone.now(), unreachable_reason=exc.reason[:200]
            )
    if exc.window_closed:
        window_closed_mark(conversation)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
    delivery = delivery_update(delivery=delivery, status=Delivery.Status.FAILED, reason=exc.reason)
    if delivery.proactive:
        delivery_reroute(delivery=delivery, why=exc.reason, window_closed=exc.window_closed)
    return delivery


def window_closed_mark(conversation: Conversation) -> None:
    """The platform says only a template may go now: believe it until the person writes again."""
    identity = identity_for(conversation)
    if identity is not None:
        ContactIdentity.objects.filter(pk=identity.pk).update(window_closed_at=timezone.now())


def delivery_reroute(*, delivery: Delivery, why: str, window_closed: bool = False) -> Message | None:
    """A message the coach started that its outlet refused goes the next way that can carry it: the
    caller's template on the same outlet first when the window turned out closed, then the other
    outlets. Recorded on both deliveries."""
    from conversations.services.delivery import Unreachable, message_send

    message = delivery.message
    contact = message.conversation.contact
    siblings = Delivery.objects.filter(idempotency_key__startswith=_base_key(delivery))
    if window_closed and delivery.template and not siblings.filter(idempotency_key__endswith=":template").exists():
        again = message_send(
            contact=contact,
            conversation=message.conversation,
            text=message.text,
            author=message.author,
            author_name=message.author_name,
            idempotency_key=f"{_base_key(delivery)}:via:{delivery.outlet}:template",
            template=delivery.template,
            proactive=True,
            routed_because=f"{delivery.outlet}: {why}; its template instead",
        )
        Delivery.objects.filter(pk=delivery.pk).update(reason=f"{why}; sent as the template instead"[:300])
        return again
    tried = tuple({delivery.outlet, *(d.outlet for d in siblings)})
    try:
        route = route_pick(contact=contact, template=delivery.template, exclude=tried)
    except Unreachable as exc:
        Delivery.objects.filter(pk=delivery.pk).update(reason=f"{why}; no other way: {exc}"[:300])
        return None
    rerouted = message_send(
        contact=contact,
        conversation=route.conversation,
        text=message.text,
        author=message.author,
        author_name=message.author_name,
        idempotency_key=f"{_base_key(delivery)}:via:{route.conversation.outlet}",
        template=delivery.template,
        proactive=True,
        routed_because=f"{delivery.outlet}: {why}",
    )
    Delivery.objects.filter(pk=delivery.pk).update(reason=f"{why}; sent by {route.conversation.outlet} instead"[:300])
    return rerouted


def _base_key(delivery: Delivery) -> str:
    key = delivery.idempotency_key or f"delivery:{delivery.pk}"
    return key.split(":via:")[0]


# --- Receipts -----------------------------------------------------------------------------------


def delivery_receipt(
    *, outlet_name: str, platform_message_id: str, status: str, reason: str = "", window_closed: bool = False
) -> Delivery | None:
    """A platform's word on a message it took (sent, delivered, read, failed), applied in order:
    a late "delivered" after "read" changes nothing. A failure of a message the coach started is
    re-routed (WhatsApp's window closed, the person unreachable)."""
    from conversations.services.delivery import delivery_update

    delivery = (
        Delivery.objects.select_related("message__conversation__contact")
        .filter(outlet=outlet_name, outlet_message_id=platform_message_id)
        .first()
    )
    if delivery is None:
        return None  # a part before the last of a long reply, or a message sent from elsewhere
    if status == Delivery.Status.FAILED:
        if delivery.status in (Delivery.Status.FAILED, Delivery.Status.DEAD_LETTER):
            return delivery
        delivery = delivery_update(delivery=delivery, status=Delivery.Status.FAILED, reason=reason or "failed")
        if window_closed:
            window_closed_mark(delivery.message.conversation)
        if delivery.proactive:  # a reply to the person is not re-routed: they are on this outlet now
            delivery_reroute(delivery=delivery, why=reason or "failed", window_closed=window_closed)
        return delivery
    if delivery.status in (Delivery.Status.FAILED, Delivery.Status.DEAD_LETTER):
        return delivery
    if STATUS_RANK.get(status, -1) <= STATUS_RANK.get(delivery.status, -1):
        return delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=status, updated_at=timezone.now())
    delivery.status = status
    if status in (Delivery.Status.DELIVERED, Delivery.Status.READ):
        event_record(
            Event.Kind.MESSAGE_READ if status == Delivery.Status.READ else Event.Kind.MESSAGE_DELIVERED,
            contact_id=delivery.message.conversation.contact_id,
            conversation_id=delivery.message.conversation_id,
            subject_id=delivery.message_id,
            outlet=outlet_name,
        )
    return delivery
