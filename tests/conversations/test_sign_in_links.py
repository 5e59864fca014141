"""A sign-in link signs in the browser that opens it, and nothing else.

The outside review's attack: a stranger opens the creator's widget, asks for a link for the
victim's address; the victim opens the normal-looking email. Before the fix the stranger's widget
then read and wrote the victim's whole conversation. Now the stranger gains nothing unless the
victim, signed in, looks at what would be linked and confirms it.
"""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from conversations import services
from conversations.identity import identity_from_token
from conversations.models import Contact, ContactIdentity, Conversation, Message
from tests.conversations.live import Socket, client_id, widget_for
from tests.factories import host

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
SITE = "http://coach-site.example"
SECRET = "My partner left and I weigh 92 kg, please keep this between us."


@database_sync_to_async
def victim(team):
    with tenant_context(team.creator):
        ana = services.contact_resolve(email="ana@example.com")
        message, _ = services.message_receive(contact=ana, text=SECRET, outlet="web")
        ana.web_conversation = str(message.conversation_id)
        return ana


async def strangers_widget(team):
    widget = await database_sync_to_async(widget_for)(team.creator, [SITE])
    socket = Socket(team.creator, f"/ws/chat/{widget.key}/", origin=SITE)
    assert await socket.open()
    ready, _ = await socket.hello()
    await socket.send({"type": "message", "text": "hola, ¿me ayudas?", "client_id": client_id()})
    assert (await socket.receive())["type"] == "ack"
    await socket.send({"type": "identify", "email": "ana@example.com"})
    frames = await socket.receive_until("identify_sent")
    assert frames[-1]["type"] == "identify_sent"
    await socket.close()
    return widget, ready["token"]


@database_sync_to_async
def open_link_in_victims_browser(team) -> tuple[Client, str]:
    link = re.search(r"/app/auth/\S+/", mail.outbox[-1].body).group(0)
    browser = Client(**host(team.creator))
    response = browser.get(link)
    return browser, response


async def test_opening_a_link_a_stranger_asked_for_gives_the_stranger_nothing(alpha):
    ana = await victim(alpha)
    widget, stranger_token = await strangers_widget(alpha)

    _, response = await open_link_in_victims_browser(alpha)
    assert response.status_code == 302 and response["Location"].startswith("/app/link/")

    again = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin=SITE)
    assert await again.open()
    ready, history = await again.hello(token=stranger_token, conversation=ana.web_conversation)
    assert SECRET not in str(history["messages"])
    assert ready["name"] == ""
    await again.send({"type": "message", "text": "what did I tell you about my weight?", "client_id": client_id()})
    ack = await again.receive()
    await again.close()

    @database_sync_to_async
    def state():
        with tenant_context(alpha.creator):
            visitor = identity_from_token(stranger_token, schema=alpha.creator.schema_name).visitor_id
            return (
                ContactIdentity.objects.get(outlet="web", address=str(visitor)).contact_id,
                Conversation.objects.get(pk=ack["conversation"]).contact_id,
                Message.objects.filter(conversation__contact=ana).count(),
            )

    strangers_contact, written_into, anas_messages = await state()
    assert strangers_contact != ana.pk and written_into != ana.pk
    assert anas_messages == 1, "nothing was written into Ana's conversation"


async def test_the_person_sees_what_would_be_linked_and_only_a_confirmation_links_it(alpha):
    ana = await victim(alpha)
    widget, token = await strangers_widget(alpha)
    browser, response = await open_link_in_victims_browser(alpha)
    link_page = response["Location"]

    @database_sync_to_async
    def look_and_decide(decision=None, client=None):
        client = client or browser
        if decision is None:
            return client.get(link_page)
        return client.post(link_page, {"decision": decision})

    page = await look_and_decide()
    body = page.content.decode()
    assert page.status_code == 200
    assert "hola, ¿me ayudas?" in body and SITE in body and "ana@example.com" in body
    assert 'name="decision" value="link"' in body

    @database_sync_to_async
    def linked_to():
        with tenant_context(alpha.creator):
            visitor = identity_from_token(token, schema=alpha.creator.schema_name).visitor_id
            return ContactIdentity.objects.get(outlet="web", address=str(visitor)).contact_id

    outsider = await database_sync_to_async(Client)(**host(alpha.creator))
    assert (await look_and_decide("link", outsider)).status_code == 400, "only the signed-in person decides"
    assert await linked_to() != ana.pk

    assert (await look_and_decide("refuse")).status_code == 302
    assert (await look_and_decide("link")).status_code == 302
    assert await linked_to() != ana.pk, "a refusal is final: the same request cannot be confirmed afterwards"

    # The person asks again from that window, and this time says yes.
    socket = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin=SITE)
    assert await socket.open()
    await socket.hello(token=token)
    await socket.send({"type": "identify", "email": "ana@example.com"})
    await socket.receive_until("identify_sent")
    await socket.close()
    _, response = await open_link_in_victims_browser(alpha)
    link_page = response["Location"]
    assert (await look_and_decide("link")).status_code == 302
    assert await linked_to() == ana.pk
    again = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin=SITE)
    assert await again.open()
    _, history = await again.hello(token=token, conversation=ana.web_conversation)
    assert SECRET in str(history["messages"]), "a confirmed browser continues as the person"
    await again.close()


async def test_a_link_request_cannot_be_confirmed_by_another_person_or_on_another_creator(alpha, beta):
    await victim(alpha)
    await strangers_widget(alpha)
    _, response = await open_link_in_victims_browser(alpha)
    link_page = response["Location"]

    @database_sync_to_async
    def attempts():
        with tenant_context(alpha.creator):
            bo = services.contact_resolve(email="bo@example.com")
        from conversations.identity import CONTACT_COOKIE, contact_token

        as_bo = Client(**host(alpha.creator))
        as_bo.cookies[CONTACT_COOKIE] = contact_token(schema=alpha.creator.schema_name, contact_id=bo.pk)
        on_beta = Client(**host(beta.creator))
        return [
            as_bo.get(link_page).status_code,
            as_bo.post(link_page, {"decision": "link"}).status_code,
            on_beta.post(link_page, {"decision": "link"}).status_code,
            Client(**host(alpha.creator)).get("/app/link/forged-token/").status_code,
        ]

    assert await attempts() == [400, 400, 400, 400]


async def test_a_browser_that_asks_for_its_own_link_and_opens_it_is_signed_in_without_a_question(alpha):
    await victim(alpha)

    @database_sync_to_async
    def ask_and_open():
        browser = Client(**host(alpha.creator))
        mail.outbox.clear()
        browser.post("/app/sign-in/", {"email": "ana@example.com"})
        link = re.search(r"/app/auth/\S+/", mail.outbox[-1].body).group(0)
        response = browser.get(link)
        return response, browser.get("/app/").content.decode()

    response, home = await ask_and_open()
    assert response.status_code == 302 and response["Location"] == "/app/"
    assert SECRET in home or "What your coach remembers" in home


async def test_opening_the_chat_leaves_no_row_until_the_first_real_message(alpha):
    widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])

    @database_sync_to_async
    def contacts():
        with tenant_context(alpha.creator):
            return Contact.objects.count(), ContactIdentity.objects.filter(outlet="web").count()

    before = await contacts()
    for _ in range(40):
        socket = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin=SITE)
        assert await socket.open()
        await socket.hello()
        await socket.close()
    assert await contacts() == before
    socket = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin=SITE)
    assert await socket.open()
    await socket.hello()
    await socket.send({"type": "message", "text": "hi", "client_id": client_id()})
    assert (await socket.receive())["type"] == "ack"
    await socket.close()
    assert await contacts() == (before[0] + 1, before[1] + 1)


async def test_the_browser_that_asked_opening_its_own_link_is_linked_without_a_question(alpha):
    from conversations.identity import VISITOR_COOKIE, visitor_token_new

    ana = await victim(alpha)
    schema = alpha.creator.schema_name
    token = visitor_token_new(schema=schema)

    @database_sync_to_async
    def same_browser():
        browser = Client(**host(alpha.creator))
        browser.cookies[VISITOR_COOKIE] = token
        with tenant_context(alpha.creator):
            visitor = services.web_contact_resolve(identity=identity_from_token(token, schema=schema))
            services.message_receive(contact=visitor, text="I'm allergic to peanuts.", outlet="web")
        mail.outbox.clear()
        browser.post("/app/sign-in/", {"email": "ana@example.com"})
        response = browser.get(re.search(r"/app/auth/\S+/", mail.outbox[-1].body).group(0))
        with tenant_context(alpha.creator):
            linked = ContactIdentity.objects.get(
                outlet="web", address=str(identity_from_token(token, schema=schema).visitor_id)
            ).contact_id
            moved = Message.objects.filter(text="I'm allergic to peanuts.", conversation__contact=ana).exists()
        return response, linked, moved

    response, linked, moved = await same_browser()
    assert response["Location"] == "/app/"
    assert linked == ana.pk and moved


async def test_a_window_that_wrote_nothing_is_shown_as_nothing_to_recognise(alpha):
    await victim(alpha)
    widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])
    socket = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin=SITE)
    assert await socket.open()
    await socket.hello()
    await socket.send({"type": "identify", "email": "ana@example.com"})
    await socket.receive_until("identify_sent")
    await socket.close()
    browser, response = await open_link_in_victims_browser(alpha)
    page = await database_sync_to_async(browser.get)(response["Location"])
    assert "has not written anything yet" in page.content.decode()
