"""Live chat over a websocket, against real Redis (channel layer), PostgreSQL and Chroma."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django_tenants.utils import tenant_context

from conversations.models import ContactMemory, Message
from tests.conversations.live import Socket, client_id, library_for, widget_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
SITE = "http://coach-site.example"


@pytest.fixture
def alpha_chat(alpha, knowledge, run_jobs):
    library_for(alpha, run_jobs)
    return alpha, widget_for(alpha.creator)


@pytest.fixture
def with_ollama(settings, ollama):
    settings.OLLAMA_BASE_URL = ollama.url
    return ollama


@database_sync_to_async
def stored(creator, message_id):
    with tenant_context(creator):
        return Message.objects.filter(pk=message_id).first()


@database_sync_to_async
def count(creator, **filters):
    with tenant_context(creator):
        return Message.objects.filter(**filters).count()


async def open_chat(team, widget, origin=SITE) -> Socket:
    socket = Socket(team.creator, f"/ws/chat/{widget.key}/", origin=origin)
    assert await socket.open()
    return socket


async def test_the_reply_streams_token_by_token_after_the_message_is_stored(alpha_chat, with_ollama):
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    ready, history = await socket.hello()
    assert ready["token"] and ready["conversation"] is None and history["messages"] == []

    await socket.send({"type": "message", "text": "How much protein should I eat?", "client_id": client_id()})
    ack = await socket.receive()
    assert ack["type"] == "ack"
    stored_message = await stored(team.creator, ack["message"]["id"])
    assert stored_message is not None and stored_message.text == "How much protein should I eat?"

    frames = await socket.receive_until("message")
    kinds = [frame["type"] for frame in frames]
    assert kinds[0] == "typing"
    assert kinds[-1] == "message"
    tokens = [frame["text"] for frame in frames if frame["type"] == "token"]
    assert len(tokens) > 3, "the reply arrives in pieces"
    assert set(kinds[1:-1]) == {"token"}, "nothing interleaves with the tokens"
    reply = frames[-1]["message"]
    assert reply["author"] == "ai"
    assert "".join(tokens).strip() == reply["text"]
    assert "1.6 grams" in reply["text"]
    assert reply["citations"][0]["title"] == "Coaching guide"
    assert reply["in_reply_to"] == ack["message"]["id"]
    await socket.close()


async def test_a_resend_with_the_same_client_id_is_stored_and_answered_once(alpha_chat):
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    await socket.hello()
    frame = {"type": "message", "text": "How much protein should I eat each day?", "client_id": client_id()}
    await socket.send(frame)
    first_ack = await socket.receive()
    await socket.send(frame)  # the network hiccuped; the browser sends again
    frames = await socket.receive_until("message")
    second_ack = next(f for f in frames if f["type"] == "ack")
    assert second_ack["message"]["id"] == first_ack["message"]["id"]
    assert await socket.nothing_more(1.0)
    conversation = first_ack["conversation"]
    assert await count(team.creator, conversation_id=conversation, author="user") == 1
    assert await count(team.creator, conversation_id=conversation, author="ai") == 1
    await socket.close()


async def test_a_reconnect_resumes_the_conversation_without_loss_or_duplicates(alpha_chat):
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    ready, _ = await socket.hello()
    frame = {"type": "message", "text": "How much protein should I eat each day?", "client_id": client_id()}
    await socket.send(frame)
    ack = await socket.receive()
    await socket.close()  # the phone lost signal before the reply came

    for _ in range(150):  # the reply is written meanwhile
        if await count(team.creator, conversation_id=ack["conversation"], author="ai"):
            break
        await asyncio.sleep(0.1)
    again = await open_chat(team, widget)
    ready2, history = await again.hello(
        token=ready["token"], conversation=ack["conversation"], after=ack["message"]["id"]
    )
    assert ready2["conversation"] == ack["conversation"]
    replies = [m for m in history["messages"] if m["author"] == "ai"]
    assert len(replies) == 1 and "1.6 grams" in replies[0]["text"]
    assert all(m["id"] != ack["message"]["id"] for m in history["messages"]), "what was seen is not sent again"

    await again.send(frame)  # the browser was unsure its send went through
    resent = await again.receive()
    assert resent["type"] == "ack" and resent["message"]["id"] == ack["message"]["id"]
    assert await again.nothing_more(1.0)
    assert await count(team.creator, conversation_id=ack["conversation"]) == 2
    await again.close()


async def test_a_coach_takes_over_and_hands_back(alpha_chat):
    from conversations import services
    from conversations.models import Conversation

    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    await socket.hello()
    await socket.send({"type": "message", "text": "How much protein?", "client_id": client_id()})
    frames = await socket.receive_until("message")
    conversation_id = frames[0]["conversation"]

    @database_sync_to_async
    def as_coach(action, **kwargs):
        with tenant_context(team.creator):
            conversation = Conversation.objects.get(pk=conversation_id)
            return action(conversation=conversation, **kwargs)

    await as_coach(services.conversation_take_over, member=team.coach)
    joined = await socket.receive()
    assert joined["type"] == "handler" and joined["handler"] == "human"
    assert "joined the conversation" in joined["message"]["text"]

    await socket.send({"type": "message", "text": "Can a real person check my plan?", "client_id": client_id()})
    ack = await socket.receive()
    assert ack["type"] == "ack"
    assert await socket.nothing_more(1.5), "the AI stays quiet while a person handles the conversation"

    await as_coach(services.member_message_send, member=team.coach, text="Hi! I'm looking at it now.")
    human = await socket.receive()
    assert human["type"] == "message" and human["message"]["author"] == "human"
    assert human["message"]["text"] == "Hi! I'm looking at it now."
    assert human["message"]["author_name"]

    await as_coach(services.conversation_hand_back)
    back = await socket.receive()
    assert back["type"] == "handler" and back["handler"] == "ai"
    await socket.send({"type": "message", "text": "How much protein should I eat each day?", "client_id": client_id()})
    frames = await socket.receive_until("message")
    assert frames[-1]["message"]["author"] == "ai"
    assert "1.6 grams" in frames[-1]["message"]["text"]
    await socket.close()


async def test_a_widget_key_and_identity_of_one_creator_reach_nothing_of_another(alpha_chat, beta):
    team, alpha_widget = alpha_chat
    beta_widget = await database_sync_to_async(widget_for)(beta.creator)
    socket = await open_chat(team, alpha_widget)
    ready, _ = await socket.hello()
    await socket.send({"type": "message", "text": "My name is Ana. Secret plan ZEBRA-A-42.", "client_id": client_id()})
    ack = await socket.receive()
    await socket.receive_until("message")
    await socket.close()

    wrong_host = Socket(beta.creator, f"/ws/chat/{alpha_widget.key}/", origin=SITE)
    assert await wrong_host.open()
    refused = await wrong_host.receive()
    assert refused == {"type": "closed", "code": 4404, "reason": "This chat widget does not exist (check its key)."}

    on_beta = await open_chat(beta, beta_widget)
    ready_b, history_b = await on_beta.hello(token=ready["token"], conversation=ack["conversation"])
    assert ready_b["token"] != ready["token"], "alpha's identity is not honoured on beta"
    assert ready_b["conversation"] is None and history_b["messages"] == []
    assert ready_b["name"] == ""
    await on_beta.send({"type": "message", "text": "What was my secret plan?", "client_id": client_id()})
    frames = await on_beta.receive_until("message")
    assert frames[0]["conversation"] != ack["conversation"]
    assert "ZEBRA" not in frames[-1]["message"]["text"]
    await on_beta.close()


async def test_a_foreign_origin_is_refused_before_the_socket_opens(alpha_chat):
    team, widget = alpha_chat
    assert not await Socket(team.creator, f"/ws/chat/{widget.key}/", origin="http://evil.example").open()
    assert await Socket(team.creator, f"/ws/chat/{widget.key}/", origin=SITE).open()
    assert await Socket(team.creator, f"/ws/chat/{widget.key}/", origin="http://alpha.localhost:8000").open()
    assert not await Socket(team.creator, "/ws/app/", origin=SITE).open(), "the app accepts only its own host"


async def test_bad_frames_get_an_error_frame_and_the_socket_stays_usable(alpha_chat):
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    for frame, code in [
        ("not json {", "bad_json"),
        ("[1, 2, 3]", "bad_frame"),
        ({"type": 5}, "bad_frame"),
        ({"type": "teleport"}, "unknown_type"),
        ({"type": "message", "text": "hi", "client_id": client_id()}, "hello_first"),
    ]:
        await socket.send(frame)
        error = await socket.receive()
        assert error["type"] == "error" and error["code"] == code, (frame, error)
    await socket.hello()
    for frame in [
        {"type": "message", "text": 42, "client_id": client_id()},
        {"type": "message", "text": "   ", "client_id": client_id()},
        {"type": "message", "text": "hi", "client_id": "../../etc"},
        {"type": "message", "text": "x" * 5000, "client_id": client_id()},
    ]:
        await socket.send(frame)
        error = await socket.receive()
        assert error["type"] == "error" and error["code"] == "bad_message", (frame, error)
    await socket.send({"type": "ping"})
    assert (await socket.receive()) == {"type": "pong"}
    await socket.close()


async def test_opening_the_chat_starts_loading_the_answer_path_while_the_person_types(alpha, monkeypatch):
    started = []
    monkeypatch.setattr("conversations.consumers.answer_path_warm", lambda: started.append(True))
    widget = await database_sync_to_async(widget_for)(alpha.creator)
    socket = await open_chat(alpha, widget)
    assert started == [True]
    await socket.close()


async def test_a_one_megabyte_frame_closes_the_socket_with_a_reason(alpha_chat):
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    await socket.send({"type": "message", "text": "x" * 1_000_000})
    closed = await socket.receive()
    assert closed["type"] == "closed" and closed["code"] == 1009
    assert "limited to" in closed["reason"]


async def test_a_flooding_connection_is_slowed_then_closed_and_others_are_served(alpha_chat):
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    for _ in range(60):
        await socket.send({"type": "ping"})
    frames = []
    while True:
        frame = await socket.receive()
        frames.append(frame)
        if frame["type"] == "closed":
            break
    assert any(f.get("code") == "rate_limited" and f["retry_after"] > 0 for f in frames)
    assert frames[-1]["code"] == 4429 and "Slow down" in frames[-1]["reason"]
    fresh = await open_chat(team, widget)
    await fresh.send({"type": "ping"})
    assert (await fresh.receive()) == {"type": "pong"}
    await fresh.close()


async def test_one_person_flooding_from_two_tabs_is_held_to_the_per_person_limit(alpha_chat, settings):
    settings.CHAT_USER_MESSAGES_PER_MINUTE = 3
    team, widget = alpha_chat
    first = await open_chat(team, widget)
    ready, _ = await first.hello()
    second = await open_chat(team, widget)
    await second.hello(token=ready["token"])
    outcomes = []
    for socket in (first, second, first, second):
        await socket.send({"type": "message", "text": "Hello?", "client_id": client_id()})
        while True:
            frame = await socket.receive()
            if frame["type"] in ("ack", "error"):
                outcomes.append(frame.get("code", "ack"))
                break
    assert outcomes == ["ack", "ack", "ack", "rate_limited"]
    await first.close()
    await second.close()


async def test_the_coach_remembers_the_person_and_forgets_on_request(alpha_chat):
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    await socket.hello()
    await socket.send(
        {"type": "message", "text": "Hi, my name is Ana and I want to run a 10k in May.", "client_id": client_id()}
    )
    conversation_id = (await socket.receive_until("message"))[0]["conversation"]

    @database_sync_to_async
    def memories():
        with tenant_context(team.creator):
            mine = ContactMemory.objects.filter(contact__conversations=conversation_id)
            return sorted((m.kind, m.text) for m in mine)

    assert await memories() == [("goal", "run a 10k in May"), ("name", "Ana")]
    await socket.send({"type": "message", "text": "How much protein should I eat?", "client_id": client_id()})
    frames = await socket.receive_until("message")
    assert frames[-1]["message"]["text"].startswith("Ana, from “Coaching guide”")

    await socket.send({"type": "message", "text": "Please forget everything.", "client_id": client_id()})
    frames = await socket.receive_until("message")
    assert "forgotten everything" in frames[-1]["message"]["text"]
    assert await memories() == []
    await socket.close()


async def test_identify_emails_a_link(alpha_chat):
    from django.core import mail

    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    await socket.hello()
    await socket.send({"type": "identify", "email": "not an email"})
    assert (await socket.receive())["code"] == "bad_email"
    await socket.send({"type": "identify", "email": "Ana@Example.com"})
    assert (await socket.receive())["type"] == "identify_sent"
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "/app/auth/" in mail.outbox[-1].body
    await socket.close()


async def test_two_creators_chatting_at_once_each_write_only_into_their_own_schema(alpha_chat, beta):
    from conversations.models import Conversation

    team, alpha_widget = alpha_chat
    beta_widget = await database_sync_to_async(widget_for)(beta.creator)
    sockets = [await open_chat(team, alpha_widget) for _ in range(3)] + [
        await open_chat(beta, beta_widget) for _ in range(3)
    ]
    for socket in sockets:
        await socket.hello()
    run, marks = client_id()[:6], []
    for round_ in range(3):
        for number, socket in enumerate(sockets):
            mark = f"{run}-{'alpha' if number < 3 else 'beta'}-{number}-{round_}"
            marks.append(mark)
            await socket.send({"type": "message", "text": f"Note {mark}", "client_id": client_id()})
    for socket in sockets:
        for _ in range(3):
            await socket.receive_until("message")
        await socket.close()

    @database_sync_to_async
    def texts(creator):
        with tenant_context(creator):
            ids = Conversation.objects.filter(messages__text__startswith=f"Note {run}").values("pk")
            return sorted(Message.objects.filter(conversation__in=ids, author="user").values_list("text", flat=True))

    assert await texts(team.creator) == sorted(f"Note {m}" for m in marks if "-alpha-" in m)
    assert await texts(beta.creator) == sorted(f"Note {m}" for m in marks if "-beta-" in m)


async def test_when_ollama_is_unreachable_the_person_gets_a_clear_reply_fast(alpha_chat, settings):
    import time

    from tests.conftest import free_port

    settings.OLLAMA_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    await socket.hello()
    started = time.monotonic()
    await socket.send({"type": "message", "text": "How much protein should I eat each day?", "client_id": client_id()})
    reply = (await socket.receive_until("message"))[-1]["message"]
    assert time.monotonic() - started < 5
    assert reply["text"] == "Sorry, I can't answer right now. Please try again in a minute."
    assert reply["incomplete"] is True
    await socket.close()


async def test_a_reply_cut_off_mid_stream_is_kept_and_marked_incomplete(alpha_chat, with_ollama):
    with_ollama.fail_after_tokens = 3
    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    await socket.hello()
    await socket.send({"type": "message", "text": "How much protein should I eat each day?", "client_id": client_id()})
    frames = await socket.receive_until("message")
    streamed = "".join(f["text"] for f in frames if f["type"] == "token")
    reply = frames[-1]["message"]
    assert len([f for f in frames if f["type"] == "token"]) == 3
    assert reply["incomplete"] is True
    assert reply["text"] == streamed.strip() + " …", "what was streamed is kept, and marked unfinished"
    kept = await stored(team.creator, reply["id"])
    assert kept.incomplete is True and kept.text == reply["text"]
    await socket.close()


async def test_the_sign_in_email_asked_for_from_a_spanish_widget_is_in_spanish(alpha_chat):
    from django.core import mail

    team, widget = alpha_chat
    socket = await open_chat(team, widget)
    await socket.hello()
    await socket.send({"type": "identify", "email": "lucia@example.com", "language": "es"})
    assert (await socket.receive())["type"] == "identify_sent"
    assert mail.outbox[-1].subject.startswith("Tu enlace de inicio de sesión para")
    await socket.send({"type": "identify", "email": "leo@example.com", "language": "xx"})
    assert (await socket.receive())["type"] == "identify_sent"
    assert mail.outbox[-1].subject.startswith("Your sign-in link for"), "unknown: the creator's language"
    await socket.close()
