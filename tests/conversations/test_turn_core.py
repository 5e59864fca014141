"""One turn core: the widget's socket, the SSE endpoint and POST /chat are adapters of the same
stages, so the same message leaves the same rows and events whichever way it came in."""

from __future__ import annotations

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import tenant_context

from analytics.models import Event
from conversations.models import Contact, Conversation, Message
from conversations.services import turns
from knowledge.answering import Answer
from tests.conversations.live import Socket, client_id, library_for, widget_for
from tests.conversations.test_chat_stream_api import events_of
from tests.factories import ContactFactory, bearer, host

pytestmark = pytest.mark.django_db(transaction=True)
QUESTION = "How much protein should I eat each day?"
SITE = "http://coach-site.example"


def by_socket(team) -> str:
    widget = widget_for(team.creator)

    async def talk() -> str:
        socket = Socket(team.creator, f"/ws/chat/{widget.key}/", origin=SITE)
        assert await socket.open()
        await socket.hello()
        await socket.send({"type": "message", "text": QUESTION, "client_id": client_id()})
        frames = await socket.receive_until("message")
        await socket.close()
        return next(f for f in frames if f["type"] == "ack")["conversation"]

    return async_to_sync(talk)()


def by_sse(team, port: int) -> str:
    headers = {"Host": f"{team.creator.hostname}:{port}", **{
        "Authorization": bearer(team.coach, team.creator)["HTTP_AUTHORIZATION"]}}  # fmt: skip
    body = {"message": QUESTION, "contact": {"external_id": "core-sse"}}
    with httpx.stream(
        "POST", f"http://127.0.0.1:{port}/api/v1/chat/stream", json=body, headers=headers, timeout=30
    ) as response:
        events = events_of(response)
    assert events[-1][0] == "done" and events[-1][1]["reply"], events
    return events[0][1]["id"]


def by_chat(team) -> str:
    response = Client(**host(team.creator)).post(
        "/api/v1/chat",
        {"message": QUESTION, "contact": {"external_id": "core-chat"}},
        content_type="application/json",
        **bearer(team.coach, team.creator),
    )
    assert response.status_code == 200, response.content
    return response.json()["conversation"]


def what_it_left(team, conversation_id: str) -> dict:
    with tenant_context(team.creator):
        conversation = Conversation.objects.get(pk=conversation_id)
        messages = list(conversation.messages.order_by("created_at"))
        events = Event.objects.filter(conversation_id=conversation.pk)
        return {
            "messages": [(m.author, m.grounded, m.backend) for m in messages],
            "reply": messages[-1].text,
            "reply_to_question": messages[-1].in_reply_to_id == messages[0].pk,
            "events": sorted(events.values_list("kind", flat=True)),
            "contact_created": Event.objects.filter(
                kind=Event.Kind.CONTACT_CREATED, contact_id=conversation.contact_id
            ).count(),
            "contacts": Contact.objects.filter(pk=conversation.contact_id).count(),
        }


def test_the_socket_sse_and_post_chat_leave_the_same_rows_and_events(alpha, knowledge, run_jobs, asgi_server):
    library_for(alpha, run_jobs)
    left = {
        "socket": what_it_left(alpha, by_socket(alpha)),
        "sse": what_it_left(alpha, by_sse(alpha, asgi_server)),
        "chat": what_it_left(alpha, by_chat(alpha)),
    }
    assert left["socket"]["messages"] == [("user", False, ""), ("ai", True, "embedded")]
    assert left["socket"]["events"] == ["answer_grounded", "message_in", "message_out"]
    assert left["socket"]["contact_created"] == 1 and left["socket"]["reply_to_question"]
    assert left["sse"] == left["socket"] == left["chat"]
    assert "1.6 grams" in left["socket"]["reply"]


def test_a_stage_added_in_settings_runs_in_its_place(alpha, settings):
    """An app above conversations (coaching, for a check-in answer) adds a stage without
    conversations importing it: here one that answers before the coach does."""
    settings.CONVERSATION_TURN_STAGES = [
        *settings.CONVERSATION_TURN_STAGES[:7],
        "tests.conversations.test_turn_core.answer_the_score",
        *settings.CONVERSATION_TURN_STAGES[7:],
    ]
    turns.turn_stages.cache_clear()
    try:
        with tenant_context(alpha.creator):
            turn = turns.turn_run(turns.Turn(outlet="api", text="8", reference={"external_id": "scorer"}))
            assert turn.reply.text == "Logged: 8 out of 10."
            assert list(turn.message.conversation.messages.values_list("author", flat=True)) == ["user", "ai"]
    finally:
        turns.turn_stages.cache_clear()


def answer_the_score(turn: turns.Turn) -> None:
    if turn.text.strip().isdigit():
        turn.answer = Answer(f"Logged: {turn.text.strip()} out of 10.", [], "en", grounded=False, backend="check-in")


def test_a_delivery_retried_by_its_platform_is_stored_and_answered_once(alpha, knowledge):
    """A webhook's platform retries with the same message id (the outlet's id goes in client_id)."""
    with tenant_context(alpha.creator):
        first = turns.turn_run(turns.Turn(outlet="api", text="Hello there", reference={"external_id": "twice"}))
        conversation_id = str(first.message.conversation_id)

        def delivered() -> turns.Turn:
            return turns.turn_run(
                turns.Turn(
                    outlet="api",
                    text="Hello again",
                    reference={"external_id": "twice"},
                    client_id="wamid-123456",
                    conversation_id=conversation_id,
                )
            )

        original, retried = delivered(), delivered()
        assert original.created and original.reply is not None
        assert retried.stop == "duplicate_answered" and retried.message.pk == original.message.pk
        assert Message.objects.filter(client_id="wamid-123456").count() == 1
        assert Message.objects.filter(in_reply_to=original.message).count() == 1


def test_stop_and_start_turn_the_coachs_own_messages_off_and_on(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory()
        stopped = turns.turn_run(turns.Turn(outlet="app", text="BAJA", contact=contact))
        contact.refresh_from_db()
        assert contact.opted_out_at is not None
        assert "ya no te escribiré primero" in stopped.reply.text
        started = turns.turn_run(turns.Turn(outlet="app", text="Start", contact=contact))
        contact.refresh_from_db()
        assert contact.opted_out_at is None and "check in with you" in started.reply.text
        assert list(
            Event.objects.filter(contact_id=contact.pk, kind__startswith="opted").values_list("kind", flat=True)
        ) == [
            "opted_out",
            "opted_in",
        ]


def test_an_empty_or_unstorable_first_message_creates_nobody(alpha):
    with tenant_context(alpha.creator):
        before = Contact.objects.count()
        for text in ["   ", "bad\x00byte", "x" * 100_000]:
            with pytest.raises(ValidationError):
                turns.turn_run(turns.Turn(outlet="api", text=text, reference={"external_id": "nobody-yet"}))
        assert Contact.objects.count() == before


def test_a_message_for_a_conversation_that_is_gone_starts_a_new_one(alpha):
    """A socket still naming an erased conversation: the person starts afresh, not in an old thread."""
    import uuid

    from conversations.identity import WebIdentity

    with tenant_context(alpha.creator):
        browser = WebIdentity(uuid.uuid4())
        first = turns.turn_run(turns.Turn(outlet="app", text="First thread", web_identity=browser))
        old = first.message.conversation
        gone = turns.turn_run(
            turns.Turn(
                outlet="app",
                text="Hello?",
                web_identity=browser,
                contact_id=old.contact_id,
                conversation_id=str(uuid.uuid4()),
            )
        )
        assert gone.message.conversation_id != old.pk


@pytest.mark.django_db(transaction=False)
def test_a_new_conversation_starts_in_the_creators_language(alpha):
    from tenants.models import Creator

    Creator.objects.filter(pk=alpha.creator.pk).update(language="es")
    with tenant_context(alpha.creator):
        turn = turns.turn_intake(turns.Turn(outlet="api", text="👋", reference={"external_id": "first-words"}))
        assert turn.message.conversation.language == "es"
