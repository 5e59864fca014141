"""Webhook deliveries from the messaging platforms, from the raw body to the turn core.

The webhook view only verifies and calls `raw_delivery_store` (the body is kept, a job is queued,
the platform gets its 200 at once); the job runs `raw_delivery_process_now`, which asks the outlet
to parse the body into outlet-neutral `Inbound` items and handles each on its own: one bad item
never loses the others of a batch, and every message goes through the one turn core.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import event_record
from conversations.models import (
    ConsentRecord,
    Contact,
    ContactIdentity,
    Delivery,
    Message,
    MessageMedia,
    MessagingOutlet,
    RawDelivery,
)
from conversations.outlets import outlet_get
from conversations.outlets.base import Inbound
from conversations.outlets.remote import RemoteOutlet
from conversations.services.outbound import delivery_receipt
from conversations.services.turns import Turn, turn_answer, turn_intake
from conversations.transcription import TranscriptionFailed, transcribe
from knowledge.answering import Answer
from tenants.selectors import creator_language

logger = logging.getLogger(__name__)
TYPING_REFRESH_SECONDS = 4.0  # Telegram's "typing…" lasts 5 s


def raw_delivery_store(*, messaging_outlet: MessagingOutlet, key: str, body: bytes) -> RawDelivery | None:
    """Keep a verified body and queue its processing; None when this delivery arrived before (the
    platforms deliver at least once)."""
    from conversations.tasks import raw_delivery_process

    try:
        with transaction.atomic():
            raw = RawDelivery.objects.create(
                outlet=messaging_outlet, kind=messaging_outlet.kind, key=key[:100], body=body
            )
            MessagingOutlet.objects.filter(pk=messaging_outlet.pk).update(last_inbound_at=raw.received_at)
            raw_delivery_process.send_on_commit(str(raw.pk))
    except IntegrityError:
        return None
    return raw


def body_key(body: bytes) -> str:
    """A delivery's identity when the platform gives none of its own: the body's digest."""
    return hashlib.sha256(body).hexdigest()


def raw_delivery_process_now(*, raw_delivery_id: str) -> RawDelivery | None:
    raw = RawDelivery.objects.select_related("outlet").filter(pk=raw_delivery_id).first()
    if raw is None or raw.processed_at is not None:
        return raw
    if raw.outlet is None:  # the outlet was removed since: nothing can answer through it
        RawDelivery.objects.filter(pk=raw.pk).update(processed_at=timezone.now(), error="the outlet was removed")
        return raw
    outlet = outlet_get(raw.kind)
    assert isinstance(outlet, RemoteOutlet)
    try:
        items = outlet.parse(bytes(raw.body), raw.outlet)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        logger.warning("a %s delivery could not be read: %s", raw.kind, exc)
        RawDelivery.objects.filter(pk=raw.pk).update(processed_at=timezone.now(), error=f"unreadable: {exc}"[:300])
        return raw
    errors: list[str] = []
    items = _statuses_known(raw.kind, items)
    for item in items:
        try:
            inbound_handle(outlet=outlet, messaging_outlet=raw.outlet, item=item, raw=raw)
        except Exception as exc:  # one item's failure must not lose the rest of the batch
            logger.exception("a %s %s could not be handled", raw.kind, item.kind)
            errors.append(f"{item.kind}: {type(exc).__name__}")
    RawDelivery.objects.filter(pk=raw.pk).update(processed_at=timezone.now(), error="; ".join(errors)[:300])
    raw.refresh_from_db()
    return raw


def _statuses_known(outlet_name: str, items: list[Inbound]) -> list[Inbound]:
    """Receipts for messages this creator sent, found in one query: a batch can hold thousands of
    statuses, most for messages that need nothing (earlier parts of a long reply, other senders)."""
    wanted = [item.platform_message_id for item in items if item.kind == "status"]
    if not wanted:
        return items
    known = set(
        Delivery.objects.filter(outlet=outlet_name, outlet_message_id__in=wanted).values_list(
            "outlet_message_id", flat=True
        )
    )
    return [item for item in items if item.kind != "status" or item.platform_message_id in known]


def _raw_names(raw: RawDelivery, contact: Contact) -> None:
    """Erasing the person will find this body (it holds their words)."""
    if contact.pk not in raw.contact_ids:
        raw.contact_ids.append(contact.pk)
        RawDelivery.objects.filter(pk=raw.pk).update(contact_ids=raw.contact_ids)


def inbound_handle(
    *, outlet: RemoteOutlet, messaging_outlet: MessagingOutlet, item: Inbound, raw: RawDelivery
) -> Contact | None:
    if item.kind == "status":
        delivery_receipt(
            outlet_name=outlet.name,
            platform_message_id=item.platform_message_id,
            status=item.status,
            reason=item.error_title,
            window_closed=item.extra.get("window_closed", False),
        )
        identity = _identity_find(outlet.name, item)
        if identity is not None:
            _raw_names(raw, identity.contact)
        return None
    if item.kind in ("blocked", "unblocked"):
        identity = _identity_find(outlet.name, item)
        if identity is None:
            return None
        _raw_names(raw, identity.contact)
        identity_block_set(identity=identity, blocked=item.kind == "blocked")
        return identity.contact
    if item.kind == "callback":
        outlet.acknowledge_callback(messaging_outlet, item)  # always, or the person's app keeps spinning
        if not item.text.strip():
            return None
    identity = identity_resolve(outlet_name=outlet.name, messaging_outlet=messaging_outlet, item=item)
    _raw_names(raw, identity.contact)
    if item.kind == "edit":
        message_edit(identity=identity, messaging_outlet=messaging_outlet, item=item)
        return identity.contact
    inbound_answer(outlet=outlet, messaging_outlet=messaging_outlet, identity=identity, item=item)
    return identity.contact


def _identity_find(outlet_name: str, item: Inbound) -> ContactIdentity | None:
    addresses = [a for a in (item.address, *item.other_addresses) if a]
    if not addresses:
        return None
    return ContactIdentity.objects.select_related("contact").filter(outlet=outlet_name, address__in=addresses).first()


def identity_resolve(*, outlet_name: str, messaging_outlet: MessagingOutlet, item: Inbound) -> ContactIdentity:
    """The person writing, created on their first message with a consent record ("wrote first").

    A WhatsApp phone id is the phone number Meta verified, so it joins the contact the creator
    imported with that number; a business-scoped user id never goes through a phone rule."""
    addresses = [a[:200] for a in (item.address, *item.other_addresses) if a]
    now = timezone.now()
    last_inbound = item.sent_at if item.sent_at is not None and item.sent_at <= now else now
    for _attempt in range(2):
        try:
            with transaction.atomic():
                found = list(
                    ContactIdentity.objects.select_related("contact").filter(outlet=outlet_name, address__in=addresses)
                )
                contact = found[0].contact if found else None
                if contact is None and outlet_name == "whatsapp" and item.address.isdigit():
                    phone = ContactIdentity.objects.select_related("contact").filter(
                        outlet=ContactIdentity.Outlet.PHONE, address=f"+{item.address}"
                    )
                    contact = phone[0].contact if phone else None
                if contact is None:
                    contact = Contact.objects.create(anonymous=True, display_name=item.name, last_seen_at=now)
                    event_record(
                        Event.Kind.CONTACT_CREATED, contact_id=contact.pk, subject_id=contact.pk, outlet=outlet_name
                    )
                    ConsentRecord.objects.create(
                        contact=contact,
                        outlet=outlet_name,
                        action=ConsentRecord.Action.OPTED_IN,
                        method=ConsentRecord.Method.WROTE_FIRST,
                        text=item.text[:300],
                    )
                elif item.name and not contact.display_name:
                    Contact.objects.filter(pk=contact.pk).update(display_name=item.name)
                known = {identity.address for identity in found}
                for address in addresses:
                    if address not in known:
                        ContactIdentity.objects.create(
                            contact=contact,
                            outlet=outlet_name,
                            address=address,
                            verified=True,
                            messaging_outlet=messaging_outlet,
                        )
                # They wrote: the window opens, and a block is over (Telegram sends no "unblocked"
                # when a person who blocked writes again after /start).
                ContactIdentity.objects.filter(contact=contact, outlet=outlet_name, address__in=addresses).update(
                    last_inbound_at=last_inbound,
                    window_closed_at=None,
                    unreachable_at=None,
                    unreachable_reason="",
                    messaging_outlet=messaging_outlet,
                )
            return ContactIdentity.objects.select_related("contact").get(outlet=outlet_name, address=addresses[0])
        except IntegrityError:  # the same person's first two messages processed at once
            continue
    raise RuntimeError("the identity could not be settled")


def identity_block_set(*, identity: ContactIdentity, blocked: bool) -> None:
    """The person blocked (or unblocked) the bot: nothing is sent while blocked."""
    with transaction.atomic():
        ContactIdentity.objects.filter(pk=identity.pk).update(
            unreachable_at=timezone.now() if blocked else None,
            unreachable_reason="The person blocked the bot" if blocked else "",
        )
        ConsentRecord.objects.create(
            contact=identity.contact,
            outlet=identity.outlet,
            action=ConsentRecord.Action.OPTED_OUT if blocked else ConsentRecord.Action.OPTED_IN,
            method=ConsentRecord.Method.BLOCKED if blocked else ConsentRecord.Method.UNBLOCKED,
        )


def message_edit(*, identity: ContactIdentity, messaging_outlet: MessagingOutlet, item: Inbound) -> None:
    """The person corrected a message: the stored text follows (the coach does not answer twice)."""
    text = item.text.strip()
    if not text:
        return
    Message.objects.filter(
        conversation__contact=identity.contact,
        conversation__outlet=identity.outlet,
        conversation__messaging_outlet=messaging_outlet,
        client_id=client_id_for(item.platform_message_id),
        author=Message.Author.USER,
    ).update(text=text[: settings.CHAT_MAX_MESSAGE_CHARS])


def client_id_for(platform_message_id: str) -> str:
    """The platform's message id as the turn's client id (at most 64 characters; long ids hashed)."""
    if len(platform_message_id) <= 64:
        return platform_message_id
    return "h:" + hashlib.sha256(platform_message_id.encode()).hexdigest()[:60]


def _person_language(item: Inbound) -> str:
    return item.language if item.language in ("en", "es") else creator_language()


def inbound_answer(
    *, outlet: RemoteOutlet, messaging_outlet: MessagingOutlet, identity: ContactIdentity, item: Inbound
) -> None:
    """One message through the turn core: stored, then answered through the outbound verb, with the
    person shown that a reply is coming."""
    text = item.text.strip()
    media_file: tuple[bytes, str] | None = None
    media_note = ""
    transcript = ""
    preset: Answer | None = None
    language = _person_language(item)
    if item.media is not None:
        try:
            media_file = outlet.fetch_media(messaging_outlet, item.media)
        except ValueError as exc:
            media_note = str(exc)[:300]
        if item.media.kind == "audio":
            if media_file is not None and settings.TRANSCRIPTION_URL:
                try:
                    transcript = transcribe(media_file[0], media_file[1], language=item.language)
                except TranscriptionFailed as exc:
                    media_note = f"not transcribed: {exc}"[:300]
            text = transcript or text
            if not text:
                with translation.override(language):
                    text = _("🎤 Voice note")
                    preset = Answer(
                        _("I can only read text for now: could you write it to me?"),
                        [],
                        language,
                        grounded=False,
                        backend="outlet",
                    )
        elif not text:
            with translation.override(language):
                text = _("📷 Image")
                preset = Answer(
                    _("Thanks for the picture! I can only read text for now: tell me in words what you'd like."),
                    [],
                    language,
                    grounded=False,
                    backend="outlet",
                )
    turn = Turn(
        outlet=outlet.name,
        text=text,
        contact=identity.contact,
        client_id=client_id_for(item.platform_message_id),
        identity=identity,
        messaging_outlet=messaging_outlet,
        answer=preset,
        extra={"language": item.language} if item.language in ("en", "es") else {},
    )
    turn_intake(turn)
    if turn.created and item.media is not None and turn.message is not None:
        media_keep(message=turn.message, kind=item.media.kind, file=media_file, transcript=transcript, note=media_note)
    if turn.stop:
        return
    with _typing(outlet, messaging_outlet, item):
        turn_answer(turn)


def media_keep(
    *, message: Message, kind: str, file: tuple[bytes, str] | None, transcript: str = "", note: str = ""
) -> MessageMedia:
    media = MessageMedia(message=message, kind=kind, transcript=transcript, note=note)
    if file is not None:
        data, content_type = file
        media.content_type, media.size = content_type[:100], len(data)
        media.file.save("media", ContentFile(data), save=False)
    media.save()
    return media


class _typing:
    """Shows "typing…" while the reply is produced, refreshed until it is sent."""

    def __init__(self, outlet: RemoteOutlet, messaging_outlet: MessagingOutlet, item: Inbound) -> None:
        self.outlet, self.messaging_outlet, self.item = outlet, messaging_outlet, item
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def _refresh(self) -> None:
        while not self.done.wait(TYPING_REFRESH_SECONDS):
            self.outlet.show_typing(self.messaging_outlet, self.item)

    def __enter__(self) -> None:
        self.outlet.show_typing(self.messaging_outlet, self.item)
        if self.outlet.name == "telegram":  # WhatsApp's indicator lasts until the reply (or 25 s)
            self.thread = threading.Thread(target=self._refresh, daemon=True)
            self.thread.start()

    def __exit__(self, *exc: Any) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join(timeout=1)


def raw_deliveries_purge(*, older_than: timedelta | None = None) -> int:
    """Raw bodies older than RAW_DELIVERY_RETENTION_DAYS go (debugging and replays only need days)."""
    age = older_than if older_than is not None else timedelta(days=settings.RAW_DELIVERY_RETENTION_DAYS)
    deleted, _rows = RawDelivery.objects.filter(received_at__lt=timezone.now() - age).delete()
    return deleted
