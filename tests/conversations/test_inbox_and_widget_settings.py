"""The creator's side of live chat: the inbox, taking over, rating and correcting, what the coach
remembers, and the widget's settings; each only for the roles allowed and never across creators."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from conversations import services
from conversations.models import Conversation, Message
from knowledge.models import CuratedAnswer
from tests.conftest import client_for
from tests.conversations.live import Socket

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(alpha):
    """Ana asked something and the coach answered (no library: it says it does not know)."""
    with tenant_context(alpha.creator):
        contact = services.contact_resolve(email="ana@example.com")
        question, _ = services.message_receive(contact=contact, text="What should I eat before a run?", outlet="web")
        reply = Message.objects.create(
            conversation=question.conversation, author="ai", text="I don't know.", in_reply_to=question
        )
        return question.conversation, reply


def act(team, conversation, role="coach", action="", message="", memory="", **data):
    """Each hub action has its own URL; the message or memory it acts on is part of it."""
    path = {
        "take_over": "take-over/",
        "hand_back": "hand-back/",
        "send": "messages/",
        "rate": f"messages/{message}/rate/",
        "correct": f"messages/{message}/correct/",
        "remember": f"memories/{memory}/" if memory else "memories/",
        "forget": f"memories/{memory}/forget/",
    }[action]
    return client_for(team.creator, team.member(role)).post(f"/hub/inbox/{conversation.pk}/{path}", data)


def test_the_inbox_lists_conversations_with_unread_counts_that_clear_when_read(alpha, chat):
    conversation, _ = chat
    coach = client_for(alpha.creator, alpha.coach)
    listing = coach.get("/hub/inbox/?partial=1").content.decode()
    assert "ana@example.com" in listing and 'class="badge failed">1<' in listing
    assert coach.get(f"/hub/inbox/{conversation.pk}/").status_code == 200
    assert 'class="badge failed"' not in coach.get("/hub/inbox/?partial=1").content.decode()


def test_only_members_who_answer_conversations_see_them_and_never_anothers(alpha, beta, chat):
    conversation, _ = chat
    assert client_for(alpha.creator, alpha.analyst).get("/hub/inbox/").status_code == 403
    assert client_for(alpha.creator, alpha.owner).get("/hub/inbox/").status_code == 200
    assert client_for(alpha.creator, beta.owner).get(f"/hub/inbox/{conversation.pk}/").status_code == 403
    assert client_for(beta.creator, beta.owner).get(f"/hub/inbox/{conversation.pk}/").status_code == 404
    assert client_for(beta.creator, beta.owner).post(f"/hub/inbox/{conversation.pk}/take-over/").status_code == 404
    assert "ana@example.com" not in client_for(beta.creator, beta.owner).get("/hub/inbox/").content.decode()
    with tenant_context(alpha.creator):
        assert Conversation.objects.get(pk=conversation.pk).handler == "ai"


def test_a_coach_takes_over_writes_and_hands_back_and_every_message_says_who_wrote_it(alpha, chat):
    conversation, _ = chat
    act(alpha, conversation, action="take_over")
    act(alpha, conversation, action="send", text="Hi Ana, a banana an hour before is fine.")
    with tenant_context(alpha.creator):
        conversation.refresh_from_db()
        assert conversation.handler == "human" and conversation.handler_user_id == alpha.coach.pk
    act(alpha, conversation, action="hand_back")
    with tenant_context(alpha.creator):
        authors = list(conversation.messages.order_by("created_at").values_list("author", "author_name"))
        assert Conversation.objects.get(pk=conversation.pk).handler == "ai"
    assert authors == [("user", ""), ("ai", ""), ("system", ""), ("human", "coach"), ("system", "")]


def test_an_empty_or_huge_team_message_is_refused_with_a_reason(alpha, chat):
    conversation, _ = chat
    for text in ["", "x" * 5000]:
        response = act(alpha, conversation, action="send", text=text)
        assert response.status_code == 302
    with tenant_context(alpha.creator):
        assert not conversation.messages.filter(author="human").exists()


def test_a_correction_becomes_the_pinned_answer_for_that_question(alpha, chat, knowledge):
    conversation, reply = chat
    act(alpha, conversation, action="rate", message=str(reply.pk), rating="1")
    with tenant_context(alpha.creator):
        reply.refresh_from_db()
        assert reply.rating == 1
    act(alpha, conversation, action="correct", message=str(reply.pk), correction="A banana an hour before is ideal.")
    with tenant_context(alpha.creator):
        reply.refresh_from_db()
        assert reply.correction == "A banana an hour before is ideal." and reply.rating == -1
        pinned = CuratedAnswer.objects.get()
        assert (pinned.question, pinned.answer) == (
            "What should I eat before a run?",
            "A banana an hour before is ideal.",
        )
    act(alpha, conversation, action="rate", message="not-a-uuid", rating="1")
    act(alpha, conversation, role="analyst", action="correct", message=str(reply.pk), correction="Nope")
    with tenant_context(alpha.creator):
        assert CuratedAnswer.objects.count() == 1 and CuratedAnswer.objects.get().answer.startswith("A banana")


def test_the_team_edits_what_the_coach_remembers(alpha, chat):
    conversation, _ = chat
    act(alpha, conversation, action="remember", kind="goal", text="Run a half marathon in October")
    act(alpha, conversation, action="remember", kind="nonsense", text="x")
    with tenant_context(alpha.creator):
        item = conversation.contact.memories.get()
        assert (item.kind, item.text, item.source) == ("goal", "Run a half marathon in October", "creator")
    act(alpha, conversation, action="remember", memory=str(item.pk), kind="goal", text="Run a 10k in October")
    with tenant_context(alpha.creator):
        assert conversation.contact.memories.get().text == "Run a 10k in October"
    act(alpha, conversation, action="forget", memory=str(item.pk))
    with tenant_context(alpha.creator):
        assert not conversation.contact.memories.exists()


def test_the_widget_settings_check_sites_and_colours_and_show_the_snippet(alpha):
    coach = client_for(alpha.creator, alpha.coach)
    page = coach.get("/hub/widget/").content.decode()
    assert '<script src="http://alpha.localhost:8000/widget/wk_' in page.replace("&lt;", "<").replace("&quot;", '"')
    assert "refused everywhere" in page
    form = {
        "name": "Site",
        "greeting": "Hola!",
        "avatar": "A",
        "color": "#112233",
        "text_color": "#ffffff",
        "position": "left",
    }
    bad = coach.post("/hub/widget/", {**form, "allowed_origins": "javascript:alert(1)\nhttps://ok.example"})
    assert bad.status_code == 200 and "Give whole site addresses" in bad.content.decode()
    assert coach.post("/hub/widget/", {**form, "color": "red", "allowed_origins": ""}).status_code == 200
    saved = coach.post("/hub/widget/", {**form, "allowed_origins": "https://Ana.example/\nhttp://localhost:3000"})
    assert saved.status_code == 302
    with tenant_context(alpha.creator):
        from conversations.selectors import widget_first

        widget = widget_first()
    assert widget.allowed_origins == ["http://localhost:3000", "https://ana.example"]
    assert widget.position == "left" and widget.color == "#112233"
    assert client_for(alpha.creator, alpha.analyst).get("/hub/widget/").status_code == 403


def test_the_loader_and_frame_carry_the_widget_and_refuse_other_sites(alpha, beta):
    from tests.conversations.live import widget_for

    widget = widget_for(alpha.creator, origins=["https://ana.example"])
    anyone = client_for(alpha.creator)
    loader = anyone.get(f"/widget/{widget.key}.js")
    assert loader["Content-Type"].startswith("text/javascript")
    config = json.loads(loader.content.decode().split("var cfg = ", 1)[1].split(";\n", 1)[0])
    assert config["origins"] == ["https://ana.example"] and config["frame"].endswith(f"/widget/{widget.key}/")
    frame = anyone.get(f"/widget/{widget.key}/")
    assert "frame-ancestors 'self' https://ana.example;" in frame["Content-Security-Policy"] + ";"
    assert "script-src 'self' 'nonce-" in frame["Content-Security-Policy"], "the page's own strict policy too"
    assert "X-Frame-Options" not in frame
    assert frame.cookies["compa_visitor"]["httponly"]
    assert client_for(beta.creator).get(f"/widget/{widget.key}/").status_code == 404
    assert client_for(beta.creator).get(f"/widget/{widget.key}.js").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_inbox_updates_live_for_the_team_only(alpha, beta):
    from channels.db import database_sync_to_async

    def socket_for(team, user, origin=None):
        client = client_for(team.creator, user)
        socket = Socket(alpha.creator, "/ws/hub/inbox/", origin=origin or "http://alpha.localhost:8000")
        socket.communicator.scope["headers"].append(
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())
        )
        return socket

    coach = await database_sync_to_async(socket_for)(alpha, alpha.coach)
    assert await coach.open()
    assert not await (await database_sync_to_async(socket_for)(alpha, alpha.analyst)).open()
    assert not await (await database_sync_to_async(socket_for)(beta, beta.owner)).open(), "beta's session on alpha"
    assert not await (await database_sync_to_async(socket_for)(alpha, alpha.coach, "http://evil.example")).open()

    @database_sync_to_async
    def a_message_arrives():
        with tenant_context(alpha.creator):
            contact = services.contact_resolve(email="live@example.com")
            message, _ = services.message_receive(contact=contact, text="Anyone there?", outlet="web")
            return str(message.conversation_id)

    conversation_id = await a_message_arrives()
    assert await coach.receive() == {"type": "changed", "conversation": conversation_id}
    await coach.close()


def test_the_development_demo_site_embeds_the_demo_widget(public_client, settings):
    from config.demo import demo_seed

    settings.DEBUG = True
    demo_seed()
    page = public_client.get("/demo-site/").content.decode()
    assert '<script src="http://demo.localhost:8000/widget/wk_' in page
    settings.DEBUG = False
    assert public_client.get("/demo-site/").status_code == 404


NOT_ORIGINS = [
    "https://a.test;script-src *",
    "https://a.test script-src *",
    "https://a.test,https://b.test",
    "https://a.test/page",
    "https://a.test?x=1",
    "https://a.test#top",
    "https://user@a.test",
    "https://a.test:99999",
    "https://a.test:0",
    "https://a.test:80x",
    "https://a_b.test",
    "ftp://a.test",
]


@pytest.mark.parametrize("entry", NOT_ORIGINS)
def test_allowed_sites_are_bare_origins_so_they_cannot_add_to_the_frames_policy(alpha, entry):
    coach = client_for(alpha.creator, alpha.coach)
    form = {"name": "Site", "greeting": "Hola!", "avatar": "A", "color": "#112233", "text_color": "#ffffff",
            "position": "left", "allowed_origins": f"https://ok.example\n{entry}"}  # fmt: skip
    refused = coach.post("/hub/widget/", form)
    assert refused.status_code == 200
    assert "Give whole site addresses" in refused.content.decode()
    with tenant_context(alpha.creator):
        from conversations.selectors import widget_first

        assert widget_first().allowed_origins == []


def test_the_frames_policy_is_built_only_from_valid_origins(alpha):
    from tests.conversations.live import widget_for

    # As an older version could have stored them.
    widget = widget_for(
        alpha.creator, origins=["https://a.test;script-src *", "https://ok.example", "https://b.test:99999"]
    )
    frame = client_for(alpha.creator).get(f"/widget/{widget.key}/")
    assert "frame-ancestors 'self' https://ok.example;" in frame["Content-Security-Policy"] + ";"


@pytest.mark.parametrize("path", ["/widget/%00.js", "/widget/%00/", "/widget/wk_%00abc/", "/widget/%ED%A0%80/"])
def test_a_widget_key_that_cannot_be_one_is_a_404(alpha, path):
    assert client_for(alpha.creator).get(path).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_for_a_widget_key_that_cannot_be_one_is_closed_as_unknown(alpha):
    socket = Socket(alpha.creator, "/ws/chat/%00/", origin="http://coach-site.example")
    assert await socket.open()
    closed = await socket.receive()
    assert closed["type"] == "closed" and closed["code"] == 4404
