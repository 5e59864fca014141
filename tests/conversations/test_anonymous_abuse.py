"""An anonymous stranger with a widget key cannot turn the coach into a row factory, an AI-reply
tap or a spam relay: fresh visitors, AI replies and sign-in emails are limited per socket, per IP,
per address and per creator, across every creator's host."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from conversations.models import Contact, Message
from tests.conversations.live import Socket, client_id, widget_for
from tests.factories import host

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
SITE = "http://coach-site.example"


async def fresh_visitor(team, widget, ip="203.0.113.7", forwarded=None) -> Socket:
    socket = Socket(team.creator, f"/ws/chat/{widget.key}/", origin=SITE)
    socket.communicator.scope["client"] = (ip, 50000)
    if forwarded:
        socket.communicator.scope["headers"].append((b"x-forwarded-for", forwarded.encode()))
    assert await socket.open()
    await socket.hello()
    return socket


async def first_answer(socket: Socket) -> str:
    await socket.send({"type": "message", "text": "hello?", "client_id": client_id()})
    while True:
        frame = await socket.receive()
        if frame["type"] in ("ack", "error"):
            return frame.get("code", "ack")


async def test_fresh_visitors_from_one_ip_are_held_to_a_limit_even_with_a_rotating_forwarded_header(alpha, settings):
    settings.CHAT_NEW_VISITORS_PER_IP_PER_HOUR = 3
    widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])
    outcomes = []
    for n in range(5):
        socket = await fresh_visitor(alpha, widget, forwarded=f"10.0.0.{n}")
        outcomes.append(await first_answer(socket))
        await socket.close()
    assert outcomes == ["ack", "ack", "ack", "rate_limited", "rate_limited"]
    other_ip = await fresh_visitor(alpha, widget, ip="198.51.100.9")
    assert await first_answer(other_ip) == "ack", "another address is not punished"
    await other_ip.close()


async def test_messages_from_one_ip_are_held_to_a_limit_however_many_visitors_it_uses(alpha, settings, clock):
    settings.CHAT_IP_MESSAGES_PER_MINUTE = 4
    clock.clock_set(clock.now().replace(second=1))  # all six inside one minute's window
    widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])

    @database_sync_to_async
    def stored():
        with tenant_context(alpha.creator):
            return Message.objects.filter(author="user").count()

    before = await stored()
    outcomes = []
    for _ in range(3):
        socket = await fresh_visitor(alpha, widget)
        outcomes += [await first_answer(socket), await first_answer(socket)]
        await socket.close()
    assert outcomes == ["ack"] * 4 + ["rate_limited"] * 2
    assert await stored() == before + 4, "refused messages are neither stored nor answered"


async def test_a_widget_is_held_to_its_own_budget(alpha, settings):
    settings.CHAT_WIDGET_MESSAGES_PER_MINUTE = 2
    widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])
    outcomes = []
    for n in range(3):
        socket = await fresh_visitor(alpha, widget, ip=f"192.0.2.{n + 1}")
        outcomes.append(await first_answer(socket))
        await socket.close()
    assert outcomes == ["ack", "ack", "rate_limited"]


async def test_sign_in_emails_are_limited_per_socket(alpha):
    widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])
    socket = await fresh_visitor(alpha, widget)
    outcomes = []
    for n in range(4):
        await socket.send({"type": "identify", "email": f"person{n}@example.com"})
        frame = await socket.receive()
        outcomes.append(frame.get("code") or frame["type"])
    assert outcomes == ["identify_sent", "identify_sent", "rate_limited", "rate_limited"]
    assert len(mail.outbox) == 2
    await socket.close()


async def test_sign_in_emails_are_limited_per_ip_across_sockets_and_creators(alpha, beta, settings):
    settings.SIGN_IN_LINKS_PER_IP_PER_HOUR = 3
    alpha_widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])
    beta_widget = await database_sync_to_async(widget_for)(beta.creator, [SITE])
    outcomes = []
    for n, (team, widget) in enumerate([(alpha, alpha_widget), (beta, beta_widget)] * 3):
        socket = await fresh_visitor(team, widget)
        await socket.send({"type": "identify", "email": f"victim{n}@example.com"})
        frame = await socket.receive()
        outcomes.append(frame.get("code") or frame["type"])
        await socket.close()
    assert outcomes == ["identify_sent"] * 3 + ["rate_limited"] * 3
    assert len(mail.outbox) == 3


async def test_sign_in_emails_are_limited_per_address_and_per_creator(alpha, beta, settings):
    settings.SIGN_IN_LINKS_PER_ADDRESS_PER_HOUR = 2
    settings.SIGN_IN_LINKS_PER_CREATOR_PER_HOUR = 4

    @database_sync_to_async
    def ask(team, email, ip):
        return Client(**host(team.creator), REMOTE_ADDR=ip).post("/app/sign-in/", {"email": email}).status_code

    same_address = [await ask(alpha, "ana@example.com", f"192.0.2.{n}") for n in range(2)]
    same_address.append(await ask(alpha, "ana@example.com", "192.0.2.9"))
    same_address.append(await ask(beta, "ana@example.com", "192.0.2.10"))
    assert same_address == [200, 200, 429, 200], "one address per creator, whatever the IP"

    one_creator = [await ask(alpha, f"p{n}@example.com", f"198.51.100.{n}") for n in range(2)]
    assert one_creator == [200, 429], "three were already asked for on alpha"
    assert await ask(beta, "someone@example.com", "198.51.100.50") == 200, "another creator has its own budget"


async def test_the_creator_name_cannot_smuggle_headers_into_the_email(alpha):
    from tenants.models import Creator

    await database_sync_to_async(Creator.objects.filter(pk=alpha.creator.pk).update)(
        name="Ana\nBcc: everyone@example.com"
    )
    status = await database_sync_to_async(
        lambda: Client(**host(alpha.creator)).post("/app/sign-in/", {"email": "ana@example.com"}).status_code
    )()
    assert status == 200
    assert "\n" not in mail.outbox[-1].subject and mail.outbox[-1].bcc == []


@pytest.mark.parametrize(
    "frame",
    [
        json.dumps({"type": "message", "text": "nul \u0000 here", "client_id": "abcdefgh12"}),
        '{"type": "message", "text": "half an emoji \\ud83d", "client_id": "abcdefgh12"}',
        "[" * 1000 + "]" * 1000,
        '{"type": "identify", "email": "ana\\u0000@example.com"}',
        '{"type": "hello", "conversation": "\\u0000", "after": "\\ud800"}',
    ],
    ids=["nul", "lone-surrogate", "deep-nesting", "nul-email", "nul-hello"],
)
async def test_broken_frames_get_an_error_and_the_socket_stays_open(alpha, frame):
    widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])

    @database_sync_to_async
    def contacts():
        with tenant_context(alpha.creator):
            return Contact.objects.filter(anonymous=True).count()

    before = await contacts()
    socket = await fresh_visitor(alpha, widget)
    if '"hello"' in frame:
        await socket.send(frame)
        assert (await socket.receive())["type"] in ("ready", "error")
        await socket.receive()
    else:
        await socket.send(frame)
        reply = await socket.receive()
        assert reply["type"] == "error" and reply["code"] in ("bad_message", "bad_json", "bad_email"), reply
    await socket.send({"type": "ping"})
    assert (await socket.receive()) == {"type": "pong"}
    await socket.close()
    assert await contacts() == before


async def test_behind_a_declared_proxy_the_socket_takes_the_address_the_proxy_saw(alpha, settings):
    settings.NUM_PROXIES = 1
    settings.CHAT_NEW_VISITORS_PER_IP_PER_HOUR = 1
    widget = await database_sync_to_async(widget_for)(alpha.creator, [SITE])
    outcomes = []
    for spoofed in ("1.1.1.1", "2.2.2.2"):
        # The client writes its own line; the proxy adds another with the address it saw.
        socket = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin=SITE)
        socket.communicator.scope["client"] = ("10.0.0.2", 50000)
        socket.communicator.scope["headers"] += [
            (b"x-forwarded-for", spoofed.encode()),
            (b"x-forwarded-for", b"203.0.113.50"),
        ]
        assert await socket.open()
        await socket.hello()
        outcomes.append(await first_answer(socket))
        await socket.close()
    assert outcomes == ["ack", "rate_limited"], "the client's own line never picks its budget"
