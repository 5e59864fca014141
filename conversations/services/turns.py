"""The one turn core: every inbound message, whatever the outlet, goes through the same ordered
stages, `settings.CONVERSATION_TURN_STAGES` (data, like MIDDLEWARE, so an app above conversations
adds a stage without conversations importing it).

A stage is a function taking the `Turn` and filling it in; setting `turn.stop` ends the turn (a
duplicate, a conversation a person took over). The stages before the first `@answering` stage
run as the message arrives ("intake": the message is stored and acknowledged); the rest answer it,
streaming pieces to `turn.on_piece` where the outlet can show them. Adapters (the socket, the SSE
endpoint, POST /chat, a webhook) build a Turn and call `turn_intake` + `turn_answer`, or `turn_run`.

Each stage's write records its event in the same transaction (analytics' event stream), so there is
no separate "record" stage to forget.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import EventSpec, event_record
from conversations import memory
from conversations.flood import end_user_wait_seconds
from conversations.identity import WebIdentity
from conversations.models import (
    ConsentRecord,
    Contact,
    ContactIdentity,
    ContactMemory,
    Conversation,
    Message,
    MessagingOutlet,
    Widget,
)
from conversations.outlets import outlet_get
from conversations.payloads import message_payload
from conversations.realtime import publish_on_commit
from conversations.selectors import parsed_uuid, persona_get
from conversations.services.contacts import (
    ConversationNotFound,
    contact_resolve,
    web_contact_resolve,
    web_conversation_find,
)
from conversations.services.delivery import message_send
from conversations.services.memories import memory_forget, memory_learn
from knowledge.answering import Answer, Person, Voice, answer_stream
from knowledge.answering import Turn as HistoryTurn
from tenants.scope import creator_schema
from tenants.selectors import creator_language

logger = logging.getLogger(__name__)
REPLY_CLAIM_SECONDS = 120
LAST_SEEN_PRECISION_SECONDS = 60
FORGOTTEN = {
    "en": "Done: I have forgotten everything I knew about you. We can start fresh whenever you like.",
    "es": "Hecho: he olvidado todo lo que sabía de ti. Empezamos de cero cuando quieras.",
}
OPT_OUT_WORDS = {
    "stop",
    "baja",
    "/stop",
    "unsubscribe",
    "cancelar suscripción",
    "no more messages",
    "no quiero más mensajes",
    "no quiero mas mensajes",
}
OPT_IN_WORDS = {"start", "alta", "unstop"}
SPANISH_CONSENT_WORDS = {"baja", "alta", "cancelar suscripción", "no quiero más mensajes", "no quiero mas mensajes"}


@dataclass
class Turn:
    """One inbound message on its way through the stages."""

    outlet: str
    text: str = ""
    client_id: str | None = None
    # Who wrote: a known contact (or its id), a signed browser identity, or an API caller's reference.
    contact: Contact | None = None
    contact_id: uuid.UUID | None = None
    web_identity: WebIdentity | None = None
    reference: dict[str, str] | None = None
    conversation_id: str | None = None
    # A named conversation that is not this person's is an error (API) rather than a fresh start (web).
    conversation_strict: bool = False
    conversation: Conversation | None = None
    widget: Widget | None = None
    # Messaging outlets: the person's address there and the creator's bot or number it came through.
    identity: ContactIdentity | None = None
    messaging_outlet: MessagingOutlet | None = None
    # Filled in by the stages.
    message: Message | None = None
    message_id: uuid.UUID | None = None  # a stored message to answer, loaded as it is claimed
    created: bool = False
    claimed: bool = False
    stop: str = ""  # why no (further) reply: duplicate_answered, taken_over, rate_limited, answered_elsewhere
    wait: int = 0
    answer: Answer | None = None
    reply_text: str = ""
    reply: Message | None = None
    on_piece: Callable[[str], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # for stages added by apps above conversations

    @property
    def handler(self) -> str:
        """What the sender should expect next: `ai` (a reply follows), `human`, or `answered`."""
        if self.stop == "duplicate_answered":
            return "answered"
        return self.message.conversation.handler if self.message is not None else Conversation.Handler.AI


def answering(stage: Callable[[Turn], None]) -> Callable[[Turn], None]:
    """Marks the first stage of the answer: it and every stage after it run in `turn_answer`."""
    stage.answering = True  # type: ignore[attr-defined]
    return stage


@functools.cache
def turn_stages() -> tuple[tuple[Callable[[Turn], None], ...], tuple[Callable[[Turn], None], ...]]:
    stages = [import_string(path) for path in settings.CONVERSATION_TURN_STAGES]
    split = next((i for i, stage in enumerate(stages) if getattr(stage, "answering", False)), len(stages))
    return tuple(stages[:split]), tuple(stages[split:])


def _run(turn: Turn, stages: tuple[Callable[[Turn], None], ...]) -> Turn:
    for stage in stages:
        if turn.stop:
            break
        stage(turn)
    return turn


def turn_intake(turn: Turn) -> Turn:
    """Identify, de-duplicate and store the message; after this the sender can be acknowledged."""
    return _run(turn, turn_stages()[0])


def turn_answer(turn: Turn, on_piece: Callable[[str], None] | None = None) -> Message | None:
    """Produce, format and deliver the reply; None when nobody (or a person) answers instead."""
    turn.on_piece = on_piece
    _run(turn, turn_stages()[1])
    return turn.reply


def turn_run(turn: Turn) -> Turn:
    """A whole exchange in one call (POST /chat, a webhook that answers in its own job)."""
    turn_intake(turn)
    turn_answer(turn)
    return turn


# --- The stages, in their default order ---------------------------------------------------------


def check_message(turn: Turn) -> None:
    """Refuse what cannot be stored before anything is written (no contact for an empty message)."""
    turn.text = message_text_clean(turn.text)


def identify_contact(turn: Turn) -> None:
    """The person behind the message; a new one is created only now, with their first real message."""
    if turn.contact is not None:
        return
    if turn.contact_id is not None and turn.conversation_id and turn.conversation is None:
        # A socket that knows both: one round trip for the two.
        turn.conversation = (
            Conversation.objects.select_related("contact")
            .filter(pk=parsed_uuid(turn.conversation_id), contact_id=turn.contact_id)
            .first()
        )
        turn.contact = turn.conversation.contact if turn.conversation else Contact.objects.get(pk=turn.contact_id)
        if turn.conversation is None:
            # Gone (erased, merged): the message starts a new conversation, not the latest old one.
            turn.conversation_id, turn.extra["fresh_conversation"] = None, True
    elif turn.contact_id is not None:
        turn.contact = Contact.objects.get(pk=turn.contact_id)
    elif turn.web_identity is not None:
        turn.contact = web_contact_resolve(identity=turn.web_identity)
    elif turn.reference is not None:
        turn.contact = contact_resolve(**turn.reference)
    else:
        raise ValueError("a turn needs a contact, a web identity or a reference")
    turn.contact_id = turn.contact.pk


def limit_person(turn: Turn) -> None:
    """Outlets anyone can open (a widget) hold each person to a message budget."""
    if outlet_get(turn.outlet).capabilities.limits_person:
        turn.wait = end_user_wait_seconds(turn.contact.pk)
        if turn.wait:
            turn.stop = "rate_limited"


def find_conversation(turn: Turn) -> None:
    """The conversation the sender named, else the person's latest one on this kind of outlet; a
    new one is opened as the message is stored."""
    if turn.conversation is not None:
        return
    conversations = Conversation.objects.filter(contact=turn.contact)
    if turn.conversation_id:
        turn.conversation = conversations.filter(pk=parsed_uuid(turn.conversation_id)).first()
        if turn.conversation is None and turn.conversation_strict:
            raise ConversationNotFound(turn.conversation_id)
    elif turn.outlet in ("web", "app") and turn.web_identity is not None and not turn.extra.get("fresh_conversation"):
        turn.conversation = web_conversation_find(contact=turn.contact)
    elif outlet_get(turn.outlet).capabilities.one_thread_per_person:  # a chat, a number: one thread
        turn.conversation = conversations.filter(outlet=turn.outlet, messaging_outlet=turn.messaging_outlet).first()


def drop_duplicate(turn: Turn) -> None:
    """The same client id (or outlet message id) twice is one message: a resend after a reconnect,
    a webhook retried by its platform."""
    if not turn.client_id or turn.conversation is None:
        return
    existing = (
        Message.objects.select_related("conversation__contact")
        .filter(conversation=turn.conversation, client_id=turn.client_id)
        .first()
    )
    if existing is not None:
        _duplicate(turn, existing)


def _duplicate(turn: Turn, existing: Message) -> None:
    turn.message, turn.created = existing, False
    if existing.replies.exists():
        turn.stop = "duplicate_answered"


def check_consent(turn: Turn) -> None:
    """STOP / BAJA / `/stop` turns off the messages the coach starts (check-ins, nudges) on this
    outlet; START / ALTA / `/start` turns them back on. Each is kept in the consent ledger, and the
    person is told; they can always still write and be answered."""
    if not outlet_get(turn.outlet).capabilities.reaches_proactively:
        return
    raw = turn.text.strip()
    word = raw.strip(".!¡").lower()
    starting = word == "/start" or word.startswith("/start ")
    if starting:  # Telegram's Start button; its payload is for the proactive engine (enrolment codes)
        turn.extra["start_payload"] = raw[len("/start") :].strip()[:64]
    opted_out = (turn.identity.opted_out_at if turn.identity is not None else turn.contact.opted_out_at) is not None
    opting_out = word in OPT_OUT_WORDS and not opted_out
    opting_in = (word in OPT_IN_WORDS or starting) and opted_out
    if opting_out or opting_in:
        consent_set(
            contact=turn.contact,
            identity=turn.identity,
            outlet=turn.outlet,
            opted_in=opting_in,
            method=ConsentRecord.Method.START_COMMAND
            if starting
            else ConsentRecord.Method.OPT_IN_WORD
            if opting_in
            else ConsentRecord.Method.OPT_OUT_WORD,
            text=raw[:300],
        )
    elif starting:
        ConsentRecord.objects.create(
            contact=turn.contact,
            outlet=turn.outlet,
            action=ConsentRecord.Action.OPTED_IN,
            method=ConsentRecord.Method.START_COMMAND,
            text=raw[:300],
        )
    else:
        return
    from knowledge.language import detect_language

    language = turn.extra.get("language") or (
        "es" if word in SPANISH_CONSENT_WORDS else detect_language(turn.text, default=creator_language())
    )
    with translation.override(language):
        if starting and not opting_in:
            from conversations.phrases import phrase

            text = phrase(persona_get(), "greeting", language)
        elif opting_out:
            text = _("Done: I won't write to you first any more. Write START whenever you want my check-ins back.")
        else:
            text = _("Welcome back: I'll check in with you again.")
    turn.answer = Answer(text, [], language, grounded=False, backend="consent")


def consent_set(
    *,
    contact: Contact,
    identity: ContactIdentity | None,
    outlet: str,
    opted_in: bool,
    method: str,
    text: str = "",
) -> None:
    """Opt a person in or out of what the coach starts on one outlet, with its ledger row and event."""
    when = None if opted_in else timezone.now()
    with transaction.atomic():
        if identity is not None:
            identity.opted_out_at = when
            ContactIdentity.objects.filter(pk=identity.pk).update(opted_out_at=when)
        else:  # the browser outlets have no single address: the person's app-wide switch
            contact.opted_out_at = when
            Contact.objects.filter(pk=contact.pk).update(opted_out_at=when)
        ConsentRecord.objects.create(
            contact=contact,
            outlet=outlet,
            action=ConsentRecord.Action.OPTED_IN if opted_in else ConsentRecord.Action.OPTED_OUT,
            method=method,
            text=text,
        )
        event_record(Event.Kind.OPTED_IN if opted_in else Event.Kind.OPTED_OUT, contact_id=contact.pk, outlet=outlet)


def store_message(turn: Turn) -> None:
    if turn.message is not None:  # a duplicate not answered yet: answer the stored one
        return
    turn.message, turn.created = message_receive(
        contact=turn.contact,
        text=turn.text,
        client_id=turn.client_id,
        conversation=turn.conversation,
        outlet=turn.outlet,
        widget=turn.widget,
        messaging_outlet=turn.messaging_outlet,
        claim_reply=True,
    )
    if turn.created:
        turn.claimed = turn.message.reply_started_at is not None
    else:
        _duplicate(turn, turn.message)
    turn.conversation = turn.message.conversation


def settle_language(turn: Turn) -> None:
    """The person's language for this reply: what this message says clearly, else what they spoke
    before; remembered on the contact unless the team fixed it."""
    from knowledge.language import language_guess

    contact = turn.contact
    known = contact.language or (turn.message.conversation.language if turn.message else "") or creator_language()
    if contact.language_fixed:
        turn.extra["language"] = contact.language
        return
    guessed, confidence = language_guess(turn.text)
    language = guessed if guessed is not None and confidence >= 0.75 else turn.extra.get("language") or known
    turn.extra["language"] = language
    if language != contact.language:
        Contact.objects.filter(pk=contact.pk).update(language=language)
        contact.language = language


def check_takeover(turn: Turn) -> None:
    """A team member holds the conversation: the coach stays quiet (a person in crisis still gets
    the safety message until a member answers)."""
    if turn.message.conversation.handler != Conversation.Handler.AI and not turn.extra.get("safety"):
        turn.stop = "taken_over"


ACT_PHRASES = {
    "greeting": "greeting",
    "thanks": "thanks",
    "goodbye": "sign_off",
    "capabilities": "capabilities",
    "yes": "offer",
    "no": "declined",
    "not_understood": "not_understood",
    "human": "human",
}


def read_conversational_act(turn: Turn) -> None:
    """Greetings, thanks, goodbyes, "what can you do?", yes / no to the coach's own question,
    "I don't understand" and asking for a person get the coach's own words, not a search of the
    material. Asking for a person also tells the team."""
    from conversations.acts import asks_something, conversational_act
    from conversations.phrases import phrase
    from conversations.services.notifications import team_notify

    if turn.answer is not None:
        return
    question = turn.message
    conversation = question.conversation
    act = conversational_act(question.text)
    if act is None:
        return
    if act in ("yes", "no"):  # an answer to the coach's own question, or a bare acknowledgement
        last_coach = (
            conversation.messages.filter(author=Message.Author.AI, created_at__lt=question.created_at)
            .order_by("-created_at")
            .values_list("text", flat=True)
            .first()
        )
        if not (last_coach and asks_something(last_coach)) and act == "yes":
            act = "thanks"
    language = turn.extra.get("language") or conversation.language
    if act == "human" and turn.created:
        from conversations.models import TeamNotification

        with transaction.atomic():
            team_notify(
                kind=TeamNotification.Kind.HUMAN_REQUESTED, contact=conversation.contact, conversation=conversation
            )
            event_record(
                Event.Kind.HUMAN_REQUESTED,
                contact_id=conversation.contact_id,
                conversation_id=conversation.pk,
                outlet=conversation.outlet,
            )
    turn.extra["act"] = act
    turn.answer = Answer(phrase(persona_get(), ACT_PHRASES[act], language), [], language, grounded=False, backend="act")


@answering
def produce_reply(turn: Turn) -> None:
    """The coach's answer, streamed to the outlet as it is written. Exactly one process answers a
    message (the claim), whatever resends and retries arrive."""
    if turn.extra.get("safety"):  # answered whoever holds the conversation: no claim on the AI's behalf
        question = turn.message
    else:
        question = turn.message if turn.claimed else reply_claim(message_id=turn.message_id or turn.message.pk)
    if question is None:
        turn.stop = "answered_elsewhere"
        return
    turn.message, turn.claimed = question, True
    if turn.answer is not None:  # an earlier stage answered (coaching, logging a check-in)
        if turn.on_piece:
            turn.on_piece(turn.answer.text)
    elif memory.asks_to_forget(question.text):
        memory_forget(contact=question.conversation.contact)
        from knowledge.language import detect_language

        language = detect_language(question.text, default=question.conversation.language)
        turn.answer = Answer(FORGOTTEN[language], [], language, grounded=False, backend="memory")
        if turn.on_piece:
            turn.on_piece(turn.answer.text)
    else:
        turn.answer = _answer_streamed(question, turn.on_piece, language=turn.extra.get("language"))


def format_reply(turn: Turn) -> None:
    turn.reply_text = outlet_get(turn.message.conversation.outlet).format(turn.answer.text)


def deliver_reply(turn: Turn) -> None:
    """Through the one outbound verb, with the answer's kind recorded beside it."""
    question, answer = turn.message, turn.answer
    conversation = question.conversation
    turn.reply = message_send(
        contact=conversation.contact,
        conversation=conversation,
        text=turn.reply_text,
        # The safety message is the platform's, sent whoever holds the conversation.
        author=Message.Author.SYSTEM if answer.backend in ("safety", "consent") else Message.Author.AI,
        in_reply_to=question,
        answer=answer,
        events=[_answer_event(answer, conversation, question)],
        conversation_fields={"language": answer.language, "summary": running_summary(conversation)},
    )
    if turn.reply is None:
        turn.stop = "taken_over"


def _answer_event(answer: Answer, conversation: Conversation, question: Message) -> EventSpec | None:
    if answer.backend in ("memory", "consent", "safety", "outlet"):  # not an answer to a question
        return None
    if answer.backend == "act":
        kind = Event.Kind.ANSWER_SMALL_TALK
    elif answer.backend == "curated":
        kind = Event.Kind.ANSWER_PINNED
    elif answer.grounded:
        kind = Event.Kind.ANSWER_GROUNDED
    else:
        kind = Event.Kind.ANSWER_UNKNOWN
    return EventSpec(
        kind=kind,
        contact_id=conversation.contact_id,
        conversation_id=conversation.pk,
        subject_id=question.pk,
        outlet=conversation.outlet,
        data={"backend": answer.backend, "sources": len(answer.citations)},
    )


# --- The writes the stages make -----------------------------------------------------------------


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


def message_text_clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"message": _("Write a message.")})
    if not storable_text(text):
        raise ValidationError(
            {"message": _("This message holds characters that cannot be stored (NUL or a broken emoji).")}
        )
    if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ValidationError(
            {"message": _("Keep messages under %(limit)s characters.") % {"limit": settings.CHAT_MAX_MESSAGE_CHARS}}
        )
    return text


def message_receive(
    *,
    contact: Contact,
    text: str,
    client_id: str | None = None,
    conversation: Conversation | None = None,
    outlet: str = "api",
    widget: Widget | None = None,
    messaging_outlet: MessagingOutlet | None = None,
    claim_reply: bool = False,
) -> tuple[Message, bool]:
    """Store what the person wrote before anything else happens. The same client_id twice is one message.

    claim_reply: the caller answers a new message right away, so it is claimed as it is stored (the
    claim reply_claim would make next, without its round trips)."""
    text = message_text_clean(text)
    outlet_get(outlet)  # an outlet this installation has, or an error before anything is written
    try:
        with transaction.atomic():
            if conversation is None:  # in the creator's language until the person writes in theirs
                conversation = Conversation.objects.create(
                    contact=contact,
                    outlet=outlet,
                    widget=widget,
                    messaging_outlet=messaging_outlet,
                    language=creator_language(),
                )
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
            event_record(
                Event.Kind.MESSAGE_IN,
                contact_id=contact.pk,
                conversation_id=conversation.pk,
                subject_id=message.pk,
                outlet=outlet,  # the way this message came in (a conversation can span the widget and the app)
                author=Message.Author.USER,
            )
    except IntegrityError:  # the same client_id stored already (a resend racing this one)
        existing = Message.objects.select_related("conversation__contact")
        return existing.get(conversation=conversation, client_id=client_id), False
    now = timezone.now()
    if contact.last_seen_at is None or now - contact.last_seen_at > timedelta(seconds=LAST_SEEN_PRECISION_SECONDS):
        Contact.objects.filter(pk=contact.pk).update(last_seen_at=now)  # a write per minute, not per message
        contact.last_seen_at = now
    publish_on_commit(creator_schema(), conversation.pk, {"event": "message", "message": message_payload(message)})
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
    """Answer one stored user message through the turn's answer stages (jobs, retries, tests).

    None when another process answers it, or when a team member took over meanwhile. `claimed` is the
    message as message_receive(claim_reply=True) stored and claimed it (with its conversation and contact).
    """
    if claimed is not None:
        turn = Turn(outlet=claimed.conversation.outlet, text=claimed.text, message=claimed, claimed=True)
    else:  # claiming loads the message with its conversation and contact: no query before it
        turn = Turn(outlet="", message_id=message_id)
    return turn_answer(turn, on_piece)


def _answer_streamed(
    question: Message, on_piece: Callable[[str], None] | None, *, language: str | None = None
) -> Answer:
    from knowledge.answering import fallback_answer
    from knowledge.language import detect_language
    from knowledge.vectors import VectorStoreUnavailable

    conversation = question.conversation
    earlier = conversation.messages.filter(created_at__lt=question.created_at).exclude(author=Message.Author.SYSTEM)
    history = [
        HistoryTurn("user" if m.author == Message.Author.USER else "coach", m.text)
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
            language=language,
        ):
            if isinstance(item, Answer):
                final = item
            elif on_piece:
                on_piece(item)
    except VectorStoreUnavailable as exc:
        logger.warning("vector store unavailable while answering: %s", exc)
    final = final or fallback_answer(detect_language(question.text))
    if final.backend == "none":  # "I don't know", in the creator's own words when they wrote them
        from conversations.phrases import phrase

        final.text = phrase(persona, "unknown", final.language)
    return final


def person_for(contact: Contact) -> Person:
    memories = list(contact.memories.all())
    name = next((m.text for m in memories if m.kind == ContactMemory.Kind.NAME), contact.display_name)
    facts = tuple(f"{m.get_kind_display()}: {m.text}" for m in memories if m.kind != ContactMemory.Kind.NAME)
    return Person(name=name, facts=facts)


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
