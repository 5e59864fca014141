"""Conversations with end users: who they are, what was said, the coach's reply and the team's."""

from __future__ import annotations

import csv
import io
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.selectors import persona_get
from conversations import memory
from conversations.identity import WebIdentity, magic_link_payload, magic_link_token
from conversations.models import Contact, ContactMemory, Conversation, Message, PushSubscription, WebVisitor, Widget
from conversations.push import EndpointRefused, push_target
from conversations.realtime import publish_on_commit
from conversations.selectors import parsed_uuid
from knowledge.answering import Answer, Person, Turn, Voice, answer_stream
from tenants.auth_limits import TooManyAttempts
from tenants.limits import Limit, limits_wait_seconds

logger = logging.getLogger(__name__)
PHONE = re.compile(r"^\+?[0-9]{6,15}$")
REPLY_CLAIM_SECONDS = 120
LAST_SEEN_PRECISION_SECONDS = 60
FORGOTTEN = {
    "en": "Done: I have forgotten everything I knew about you. We can start fresh whenever you like.",
    "es": "Hecho: he olvidado todo lo que sabía de ti. Empezamos de cero cuando quieras.",
}


class ConversationNotFound(Exception):
    """The conversation does not exist or belongs to another contact."""


class LinkInvalid(Exception):
    """A sign-in link that is forged, expired or already used."""


class TooManyLinks(TooManyAttempts):
    """Sign-in links are limited, so the form cannot be used to flood an inbox; `wait` says how long."""


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


class ContactExists(Exception):
    """Another contact already has this email, phone or external id."""


MAX_TAGS = 30
TAG = re.compile(r"^[\w][\w .:-]{0,39}$")


def clean_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = str(tag).strip().lower()
        if not TAG.match(tag):
            raise ValidationError({"tags": f"“{tag[:40]}” is not a tag: use up to 40 letters, digits, spaces or .:-_"})
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": f"Up to {MAX_TAGS} tags per contact."})
    return cleaned


def contact_save(
    *,
    contact: Contact | None = None,
    external_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    display_name: str | None = None,
    tags: list[str] | None = None,
) -> Contact:
    """Create or edit a contact the team manages by hand (API, import). Identifiers stay unique."""
    contact = contact or Contact()
    given = {"external_id": external_id, "email": email, "phone": phone}
    for field, value in given.items():
        if value is None:
            continue
        if value.strip():
            try:
                setattr(contact, field, normalize_contact_reference(**{field: value})[field])
            except ValidationError as exc:
                raise ValidationError({field: exc.messages}) from exc
        else:
            setattr(contact, field, None)
    if contact.external_id is None and contact.email is None and contact.phone is None and not contact.anonymous:
        raise ValidationError({"contact": "Give the contact an email, a phone or an external_id."})
    if display_name is not None:
        contact.display_name = display_name.strip()[:120]
    if tags is not None:
        contact.tags = clean_tags(tags)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise ContactExists("Another contact already has this email, phone or external_id.") from exc
    return contact


def contact_tags_add(*, contact: Contact, tags: list[str]) -> Contact:
    contact.tags = clean_tags([*contact.tags, *tags])
    contact.save(update_fields=["tags"])
    return contact


def contact_tag_remove(*, contact: Contact, tag: str) -> Contact:
    contact.tags = [t for t in contact.tags if t != tag.strip().lower()]
    contact.save(update_fields=["tags"])
    return contact


def contact_delete(*, contact: Contact) -> None:
    """The person and everything about them: conversations, memories, push subscriptions."""
    contact.delete()


IMPORT_COLUMNS = ("external_id", "email", "phone", "display_name", "tags")


def contacts_import(*, rows: list[dict[str, str]]) -> dict[str, Any]:
    """Add or update contacts from rows (a CSV's lines). A row matches an existing contact by any of
    its identifiers; each row stands alone, so one bad line never loses the others."""
    report: dict[str, Any] = {"created": 0, "updated": 0, "errors": []}
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        if any(isinstance(value, str) and "\x00" in value for value in row.values()):
            # The database refuses NUL in text; caught here, the line is reported and the rest kept.
            report["errors"].append({"line": number, "message": _("This line contains a NUL character.")})
            continue
        reference = {f: (row.get(f) or "").strip() for f in ("external_id", "email", "phone")}
        tags = [t for t in (row.get("tags") or "").replace(";", ",").split(",") if t.strip()]
        try:
            with transaction.atomic():  # a savepoint per line: one the database refuses loses only itself
                normalized = normalize_contact_reference(**reference)
                matches = Q()
                for field, value in normalized.items():
                    matches |= Q(**{field: value})
                existing = Contact.objects.filter(matches).order_by("created_at").first()
                contact_save(
                    contact=existing,
                    **{f: v for f, v in reference.items() if v},
                    display_name=(row.get("display_name") or None),
                    tags=[*(existing.tags if existing else []), *tags] if tags else None,
                )
            report["updated" if existing else "created"] += 1
        except DataError:
            report["errors"].append({"line": number, "message": _("The database refused this line's values.")})
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
            report["errors"].append({"line": number, "message": "; ".join(m for ms in messages.values() for m in ms)})
        except ContactExists as exc:
            report["errors"].append({"line": number, "message": str(exc)})
    return report


IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000


def contacts_import_csv(*, upload: Any) -> dict[str, Any]:
    """A CSV file (header row, UTF-8) into contacts; the whole file is refused only when unreadable."""
    if upload.size > IMPORT_MAX_BYTES:
        raise ValidationError({"file": f"Up to {IMPORT_MAX_BYTES // (1024 * 1024)} MB per import."})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": "Save the file as CSV in UTF-8."}) from exc
    reader = csv.DictReader(io.StringIO(text))
    try:
        columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
        if not columns & {"external_id", "email", "phone"}:
            raise ValidationError(
                {"file": "The first line must name the columns: external_id, email or phone (and more)."}
            )
        rows = [{(k or "").strip().lower(): v if isinstance(v, str) else "" for k, v in r.items()} for r in reader]
    except csv.Error as exc:
        raise ValidationError({"file": f"This is not a readable CSV file ({exc})."}) from exc
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationError({"file": f"Up to {IMPORT_MAX_ROWS} rows per import."})
    return contacts_import(rows=rows)


def web_contact_find(*, identity: WebIdentity) -> Contact | None:
    """The contact behind a signed web identity; None for a browser that has not written yet."""
    if identity.contact_id is not None:
        contact = Contact.objects.filter(pk=identity.contact_id).first()
        if contact is None:
            raise ConversationNotFound("This sign-in is no longer valid.")
        return contact
    visitor = WebVisitor.objects.select_related("contact").filter(pk=identity.visitor_id).first()
    return visitor.contact if visitor is not None else None


def web_contact_resolve(*, identity: WebIdentity) -> Contact:
    """The contact behind a signed web identity; a new browser becomes an anonymous contact (only
    once it sends a real message, so opening sockets creates no rows)."""
    contact = web_contact_find(identity=identity)
    if contact is not None:
        return contact
    try:
        with transaction.atomic():
            contact = Contact.objects.create(anonymous=True)
            WebVisitor.objects.create(id=identity.visitor_id, contact=contact)
            return contact
    except IntegrityError:  # the same browser's other tab got there first
        return WebVisitor.objects.select_related("contact").get(pk=identity.visitor_id).contact


def web_contact_and_conversation(
    *, contact_id: uuid.UUID, conversation_id: str | None = None
) -> tuple[Contact, Conversation | None]:
    """A socket's person and conversation for its next message: one round trip when it knows both.
    A conversation the person no longer has gives None (the message then starts a new one)."""
    if conversation_id:
        conversation = (
            Conversation.objects.select_related("contact")
            .filter(pk=parsed_uuid(conversation_id), contact_id=contact_id)
            .first()
        )
        if conversation is not None:
            return conversation.contact, conversation
        return Contact.objects.get(pk=contact_id), None
    contact = Contact.objects.get(pk=contact_id)
    return contact, web_conversation_find(contact=contact)


def web_conversation_find(*, contact: Contact, conversation_id: str | None = None) -> Conversation | None:
    """The conversation a returning browser asked for, else the person's latest web conversation."""
    conversations = contact.conversations.all()
    if conversation_id:
        return conversations.filter(pk=parsed_uuid(conversation_id)).first()
    return conversations.filter(outlet__in=["web", "app"]).order_by("-updated_at").first()


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "author": message.author,
        "author_name": message.author_name,
        "text": message.text,
        "citations": message.citations,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
        "in_reply_to": str(message.in_reply_to_id) if message.in_reply_to_id else None,
        "incomplete": message.incomplete,
    }


def storable_text(text: str) -> bool:
    """Postgres refuses NUL in text and UTF-8 cannot hold a lone surrogate (half an emoji from a
    broken client): such text is refused up front instead of failing in the database."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def message_receive(
    *,
    contact: Contact,
    text: str,
    client_id: str | None = None,
    conversation: Conversation | None = None,
    outlet: str = "api",
    widget: Widget | None = None,
    claim_reply: bool = False,
) -> tuple[Message, bool]:
    """Store what the user wrote before anything else happens. The same client_id twice is one message.

    claim_reply: the caller answers a new message right away, so it is claimed as it is stored (the
    claim reply_claim would make next, without its round trips); pass it on to reply_generate."""
    text = text.strip()
    if not text:
        raise ValidationError({"message": "Write a message."})
    if not storable_text(text):
        raise ValidationError(
            {"message": _("This message holds characters that cannot be stored (NUL or a broken emoji).")}
        )
    if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ValidationError({"message": f"Keep messages under {settings.CHAT_MAX_MESSAGE_CHARS} characters."})
    if client_id and conversation is not None:
        existing = Message.objects.filter(conversation=conversation, client_id=client_id).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            if conversation is None:
                conversation = Conversation.objects.create(contact=contact, outlet=outlet, widget=widget)
            claimed = claim_reply and conversation.handler == Conversation.Handler.AI
            message = Message.objects.create(
                conversation=conversation,
                author=Message.Author.USER,
                text=text,
                client_id=client_id or None,
                reply_started_at=timezone.now() if claimed else None,
            )
            Conversation.objects.filter(pk=conversation.pk).update(updated_at=message.created_at)
            memory_learn(contact=contact, text=text)
    except IntegrityError:  # a concurrent resend of the same client_id won the race
        return Message.objects.get(conversation=conversation, client_id=client_id), False
    now = timezone.now()
    if contact.last_seen_at is None or now - contact.last_seen_at > timedelta(seconds=LAST_SEEN_PRECISION_SECONDS):
        Contact.objects.filter(pk=contact.pk).update(last_seen_at=now)  # a write per minute, not per message
        contact.last_seen_at = now
    publish_on_commit(
        connection.schema_name, conversation.pk, {"event": "message", "message": message_payload(message)}
    )
    return message, True


def reply_claim(*, message_id: uuid.UUID) -> Message | None:
    """Claim the right to answer one user message: exactly one process answers it, even on resends;
    a claim left by a crashed process expires."""
    now = timezone.now()
    claimed = (
        Message.objects.filter(pk=message_id, author=Message.Author.USER, conversation__handler=Conversation.Handler.AI)
        .filter(Q(reply_started_at__isnull=True) | Q(reply_started_at__lt=now - timedelta(seconds=REPLY_CLAIM_SECONDS)))
        .exclude(Exists(Message.objects.filter(in_reply_to=OuterRef("pk"))))
        .update(reply_started_at=now)
    )
    return Message.objects.select_related("conversation__contact").get(pk=message_id) if claimed else None


def reply_generate(
    *, message_id: uuid.UUID, on_piece: Callable[[str], None] | None = None, claimed: Message | None = None
) -> Message | None:
    """Answer one user message (streaming pieces to on_piece) and store the reply.

    None when another process answers it, or when a team member took over meanwhile. `claimed` is the
    message as message_receive(claim_reply=True) stored and claimed it (with its conversation and contact).
    """
    question = claimed if claimed is not None else reply_claim(message_id=message_id)
    if question is None:
        return None
    conversation, contact = question.conversation, question.conversation.contact
    if memory.asks_to_forget(question.text):
        memory_forget(contact=contact)
        from knowledge.language import detect_language

        language = detect_language(question.text, default=conversation.language)
        reply = Answer(FORGOTTEN[language], [], language, grounded=False, backend="memory")
        if on_piece:
            on_piece(reply.text)
    else:
        reply = _answer_streamed(question, on_piece)
    with transaction.atomic():
        if not Conversation.objects.select_for_update().filter(pk=conversation.pk, handler="ai").exists():
            logger.info("conversation %s was taken over while answering; the AI reply is dropped", conversation.pk)
            return None
        message = Message.objects.create(
            conversation=conversation,
            author=Message.Author.AI,
            text=reply.text,
            citations=reply.citations,
            language=reply.language,
            grounded=reply.grounded,
            backend=reply.backend,
            incomplete=reply.incomplete,
            in_reply_to=question,
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            language=reply.language, summary=running_summary(conversation), updated_at=message.created_at
        )
        publish_on_commit(
            connection.schema_name, conversation.pk, {"event": "message", "message": message_payload(message)}
        )
    return message


def _answer_streamed(question: Message, on_piece: Callable[[str], None] | None) -> Answer:
    from knowledge.answering import fallback_answer
    from knowledge.language import detect_language
    from knowledge.vectors import VectorStoreUnavailable

    conversation = question.conversation
    earlier = conversation.messages.filter(created_at__lt=question.created_at).exclude(author=Message.Author.SYSTEM)
    history = [
        Turn("user" if m.author == Message.Author.USER else "coach", m.text)
        for m in reversed(earlier.order_by("-created_at")[: settings.CONVERSATION_WINDOW])
    ]
    persona = persona_get()
    voice = Voice(coach_name=persona.coach_name, voice=persona.voice, rules=persona.rules)
    final: Answer | None = None
    try:
        for item in answer_stream(
            question.text,
            voice=voice,
            history=history,
            summary=conversation.summary,
            person=person_for(conversation.contact),
        ):
            if isinstance(item, Answer):
                final = item
            elif on_piece:
                on_piece(item)
    except VectorStoreUnavailable as exc:
        logger.warning("vector store unavailable while answering: %s", exc)
    return final or fallback_answer(detect_language(question.text))


def person_for(contact: Contact) -> Person:
    memories = list(contact.memories.all())
    name = next((m.text for m in memories if m.kind == ContactMemory.Kind.NAME), contact.display_name)
    facts = tuple(f"{m.get_kind_display()}: {m.text}" for m in memories if m.kind != ContactMemory.Kind.NAME)
    return Person(name=name, facts=facts)


def api_question_receive(
    *, contact: Contact, text: str, conversation_id: str | None = None, outlet: str = "api"
) -> Message:
    """Store an API caller's question, in the contact's own conversation when one is named."""
    conversation = None
    if conversation_id:
        conversation = Conversation.objects.filter(pk=conversation_id, contact=contact).first()
        if conversation is None:
            raise ConversationNotFound(conversation_id)
    question, _ = message_receive(contact=contact, text=text, conversation=conversation, outlet=outlet)
    return question


def chat_turn(
    *, contact: Contact, text: str, conversation_id: str | None = None, outlet: str = "api"
) -> tuple[Conversation, Message | None]:
    """One whole exchange for the API: store the message, answer it (unless a person took over)."""
    question = api_question_receive(contact=contact, text=text, conversation_id=conversation_id, outlet=outlet)
    reply = reply_generate(message_id=question.pk)
    return Conversation.objects.get(pk=question.conversation_id), reply


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


# --- The team in the conversation -------------------------------------------------------------


def _system_message(conversation: Conversation, text: str) -> Message:
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
        notice = _system_message(conversation, f"{name} from the team joined the conversation.")
        publish_on_commit(
            connection.schema_name,
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
        notice = _system_message(conversation, f"{persona_get().coach_name} is back to help you.")
        publish_on_commit(
            connection.schema_name,
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
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation, author=Message.Author.HUMAN, text=text, author_name=conversation.handler_name
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            updated_at=message.created_at, last_read_at=timezone.now()
        )
        publish_on_commit(
            connection.schema_name, conversation.pk, {"event": "message", "message": message_payload(message)}
        )
    _queue_push(conversation.contact_id, f"{message.author_name}: {text}")
    return message


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
    """A corrected reply becomes a note in the knowledge base, so the coach answers it right next time."""
    from knowledge.services import note_create

    if message.author != Message.Author.AI:
        raise ValidationError({"correction": "Only the coach's replies can be corrected."})
    text = text.strip()
    if not text:
        raise ValidationError({"correction": "Write the answer the coach should have given."})
    question = message.in_reply_to.text if message.in_reply_to_id else ""
    title = f"Correction: {question[:80]}" if question else "Correction"
    body = f"Question: {question}\n\n{text}" if question else text
    note_create(title=title, text=body, tags=["correction"], written_by=member.email)
    message.correction, message.rating = text, -1
    message.save(update_fields=["correction", "rating"])
    return message


# --- What the coach remembers ------------------------------------------------------------------


def memory_learn(*, contact: Contact, text: str) -> list[ContactMemory]:
    learned = []
    for kind, words in memory.facts_in(text):
        if kind == ContactMemory.Kind.NAME:
            contact.memories.filter(kind=kind).exclude(text=words).delete()
            Contact.objects.filter(pk=contact.pk).update(display_name=words[:120])
        item, created = ContactMemory.objects.get_or_create(contact=contact, kind=kind, text=words[:300])
        if created:
            learned.append(item)
    return learned


def memory_save(*, contact: Contact, kind: str, text: str, item: ContactMemory | None = None) -> ContactMemory:
    """The team writes or corrects what the coach remembers."""
    text = " ".join(text.split())
    if kind not in ContactMemory.Kind.values:
        raise ValidationError({"kind": "Choose name, goal, constraint or preference."})
    if not text or len(text) > 300:
        raise ValidationError({"text": "Write what to remember in 1 to 300 characters."})
    item = item or ContactMemory(contact=contact)
    item.kind, item.text, item.source, item.updated_at = kind, text, ContactMemory.Source.CREATOR, timezone.now()
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise ValidationError({"text": "The coach already remembers exactly that."}) from exc
    return item


def memory_forget(*, contact: Contact, memory_id: uuid.UUID | None = None) -> int:
    memories = contact.memories.all() if memory_id is None else contact.memories.filter(pk=memory_id)
    deleted, _ = memories.delete()
    if memory_id is None or not contact.memories.filter(kind=ContactMemory.Kind.NAME).exists():
        Contact.objects.filter(pk=contact.pk).update(display_name="")
    return deleted


# --- One person on many devices ------------------------------------------------------------------


def contact_merge(*, source: Contact, into: Contact) -> Contact:
    """An anonymous browser confirmed it is `into`: its conversations, memories and devices move over."""
    with transaction.atomic():
        source.conversations.update(contact=into)
        source.visitors.update(contact=into)
        source.push_subscriptions.update(contact=into)
        for item in source.memories.all():
            ContactMemory.objects.get_or_create(contact=into, kind=item.kind, text=item.text)
        source.delete()
    return into


@dataclass(frozen=True)
class SignIn:
    """Who opened a sign-in link, and the browser that asked for it when that one still needs the
    person's confirmation before it may speak (and read) for them."""

    contact: Contact
    pending_visitor_id: uuid.UUID | None = None


def magic_link_send(
    *, email: str, visitor_id: uuid.UUID | None, base_url: str, creator_name: str, client_ip: str = ""
) -> None:
    """Email a sign-in link. Opening it signs in the browser that opens it, nothing more: the browser
    that asked is linked only if the person confirms it there (device_link_confirm).

    Limited per address, per IP and per creator, across every creator's host, so the form and the
    widget cannot be used to flood an inbox or relay spam."""
    email = normalize_contact_reference(email=email)["email"]
    wait = limits_wait_seconds(
        [
            Limit("sign-in-links-ip", client_ip or "unknown", settings.SIGN_IN_LINKS_PER_IP_PER_HOUR, 3600),
            Limit("sign-in-links-creator", connection.schema_name, settings.SIGN_IN_LINKS_PER_CREATOR_PER_HOUR, 3600),
            # Per creator and address: a stranger spending one address's budget on one coach's widget
            # cannot lock that person out of every other coach.
            Limit(
                "sign-in-links-address",
                f"{connection.schema_name}:{email}",
                settings.SIGN_IN_LINKS_PER_ADDRESS_PER_HOUR,
                3600,
            ),
        ]
    )
    if wait:
        raise TooManyLinks(wait)
    token = magic_link_token(schema=connection.schema_name, email=email, visitor_id=visitor_id)
    link = f"{base_url}/app/auth/{token}/"
    name = " ".join(str(creator_name).split())[:60]  # a header: no newlines, no essays
    send_mail(
        subject=_("Your sign-in link for %(name)s") % {"name": name},
        message=_(
            "Open this link within 15 minutes to continue with your coach:\n\n%(link)s\n\n"
            "If you did not ask for it, ignore this email: nobody can use it without opening it."
        )
        % {"link": link},
        from_email=None,
        recipient_list=[email],
    )


def magic_link_redeem(*, token: str, opener_visitor_id: uuid.UUID | None = None) -> SignIn:
    """The link proves the address for the browser that opened it. The browser that asked for the
    link (a widget visitor, perhaps a stranger who typed this address) gains nothing here, unless
    it is the very browser opening it (its own visitor cookie, which no other site can set)."""
    payload = magic_link_payload(token, schema=connection.schema_name)
    if payload is None or not cache.add(f"magic-link-used:{connection.schema_name}:{token[-40:]}", 1, 20 * 60):
        raise LinkInvalid(_("This sign-in link has expired or was already used. Ask for a new one."))
    email, visitor_id = payload
    contact = contact_resolve(email=email)
    Contact.objects.filter(pk=contact.pk).update(anonymous=False)
    if visitor_id is not None and visitor_id == opener_visitor_id:
        device_link_confirm(contact=contact, visitor_id=visitor_id)
    already_linked = visitor_id is None or WebVisitor.objects.filter(pk=visitor_id, contact=contact).exists()
    return SignIn(contact=contact, pending_visitor_id=None if already_linked else visitor_id)


def device_link_claim(*, token: str) -> bool:
    """A link request is confirmed at most once (a replayed POST links nothing more)."""
    return bool(cache.add(f"device-link-used:{connection.schema_name}:{token[-40:]}", 1, 20 * 60))


def device_link_confirm(*, contact: Contact, visitor_id: uuid.UUID) -> Contact:
    """The signed-in person confirmed that this browser is theirs: it speaks for them from now on,
    and what it wrote anonymously moves to them."""
    with transaction.atomic():
        visitor = WebVisitor.objects.select_for_update().select_related("contact").filter(pk=visitor_id).first()
        if visitor is None:
            # That browser's first message may be creating its row right now: whoever wins, it is the person's.
            visitor, created = WebVisitor.objects.get_or_create(id=visitor_id, defaults={"contact": contact})
            if created:
                return contact
            visitor = WebVisitor.objects.select_for_update().select_related("contact").get(pk=visitor_id)
        if visitor.contact_id != contact.pk:
            if visitor.contact.anonymous:
                contact_merge(source=visitor.contact, into=contact)
            else:
                WebVisitor.objects.filter(pk=visitor.pk).update(contact=contact)
    return contact


# --- Web push -----------------------------------------------------------------------------------


def push_subscribe(*, contact: Contact, subscription: dict[str, Any]) -> PushSubscription:
    try:
        endpoint = str(subscription["endpoint"])
        keys = subscription["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (KeyError, TypeError) as exc:
        raise ValidationError({"subscription": "Send the browser's PushSubscription as JSON."}) from exc
    too_long = len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100
    if too_long or "\x00" in endpoint + p256dh + auth:  # the database refuses NUL in text
        raise ValidationError({"subscription": _("This push subscription is not valid.")})
    try:
        push_target(endpoint)  # a browser's push service on the public internet, never ours
    except EndpointRefused as exc:
        raise ValidationError({"subscription": str(exc)}) from exc
    item, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"contact": contact, "p256dh": p256dh, "auth": auth, "last_error": ""}
    )
    return item


def _queue_push(contact_id: uuid.UUID, text: str) -> None:
    if not PushSubscription.objects.filter(contact_id=contact_id).exists():
        return
    from conversations.tasks import push_to_contact

    schema = connection.schema_name
    transaction.on_commit(lambda: push_to_contact.send(schema, str(contact_id), text[:300]))
