"""Each thing the team does in a hub conversation has its own URL: a coach does it; an analyst, an
outsider and another creator's owner get 403 or 404 and change nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_tenants.utils import tenant_context

from conversations import services
from conversations.models import ContactMemory, Conversation, Message
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(alpha):
    """Ana asked, the coach answered, and the coach remembers one goal of hers."""
    with tenant_context(alpha.creator):
        contact = services.contact_resolve(email="ana@example.com")
        question, _ = services.message_receive(contact=contact, text="What should I eat before a run?", outlet="web")
        reply = Message.objects.create(
            conversation=question.conversation, author="ai", text="I don't know.", in_reply_to=question
        )
        item = ContactMemory.objects.create(contact=contact, kind="goal", text="Run a 10k in May")
        return question.conversation, reply, item


def refused_to_all_but_the_team(alpha, beta, outsider, path: str, data: dict) -> None:
    assert client_for(alpha.creator, alpha.analyst).post(path, data).status_code == 403
    assert client_for(alpha.creator, outsider).post(path, data).status_code == 403
    assert client_for(alpha.creator, beta.owner).post(path, data).status_code == 403
    assert client_for(beta.creator, beta.owner).post(path, data).status_code == 404


def a_coach_does_it(alpha, beta, outsider, path: str, data: dict, done: Callable[[], bool]) -> None:
    refused_to_all_but_the_team(alpha, beta, outsider, path, data)
    with tenant_context(alpha.creator):
        assert not done(), "a refused request changed something"
    response = client_for(alpha.creator, alpha.coach).post(path, data)
    conversation_page = "/".join(path.split("/")[:4]) + "/"  # /hub/inbox/<id>/
    assert response.status_code == 302 and response["Location"] == conversation_page
    with tenant_context(alpha.creator):
        assert done()


def handler(conversation: Conversation) -> str:
    return Conversation.objects.get(pk=conversation.pk).handler


def test_a_coach_takes_over(alpha, beta, outsider, chat):
    conversation, _, _ = chat
    path = f"/hub/inbox/{conversation.pk}/take-over/"
    a_coach_does_it(alpha, beta, outsider, path, {}, lambda: handler(conversation) == "human")


def test_a_coach_hands_back(alpha, beta, outsider, chat):
    conversation, _, _ = chat
    with tenant_context(alpha.creator):
        services.conversation_take_over(conversation=conversation, member=alpha.owner)
    path = f"/hub/inbox/{conversation.pk}/hand-back/"
    a_coach_does_it(alpha, beta, outsider, path, {}, lambda: handler(conversation) == "ai")


def test_a_coach_sends_a_message(alpha, beta, outsider, chat):
    conversation, _, _ = chat
    path = f"/hub/inbox/{conversation.pk}/messages/"
    a_coach_does_it(
        alpha,
        beta,
        outsider,
        path,
        {"text": "Hi Ana"},
        lambda: conversation.messages.filter(author="human", text="Hi Ana").exists(),
    )


def test_a_coach_rates_a_reply(alpha, beta, outsider, chat):
    conversation, reply, _ = chat
    path = f"/hub/inbox/{conversation.pk}/messages/{reply.pk}/rate/"
    a_coach_does_it(alpha, beta, outsider, path, {"rating": "1"}, lambda: Message.objects.get(pk=reply.pk).rating == 1)


def test_a_coach_corrects_a_reply(alpha, beta, outsider, chat, knowledge):
    conversation, reply, _ = chat
    path = f"/hub/inbox/{conversation.pk}/messages/{reply.pk}/correct/"
    a_coach_does_it(
        alpha,
        beta,
        outsider,
        path,
        {"correction": "A banana."},
        lambda: Message.objects.get(pk=reply.pk).correction == "A banana.",
    )


def test_a_coach_adds_a_memory(alpha, beta, outsider, chat):
    conversation, _, _ = chat
    path = f"/hub/inbox/{conversation.pk}/memories/"
    a_coach_does_it(
        alpha,
        beta,
        outsider,
        path,
        {"kind": "constraint", "text": "Bad knee"},
        lambda: conversation.contact.memories.filter(kind="constraint", text="Bad knee").exists(),
    )


def test_a_coach_edits_a_memory(alpha, beta, outsider, chat):
    conversation, _, item = chat
    path = f"/hub/inbox/{conversation.pk}/memories/{item.pk}/"
    a_coach_does_it(
        alpha,
        beta,
        outsider,
        path,
        {"kind": "goal", "text": "Run a half marathon"},
        lambda: ContactMemory.objects.get(pk=item.pk).text == "Run a half marathon",
    )


def test_a_coach_forgets_a_memory(alpha, beta, outsider, chat):
    conversation, _, item = chat
    path = f"/hub/inbox/{conversation.pk}/memories/{item.pk}/forget/"
    a_coach_does_it(alpha, beta, outsider, path, {}, lambda: not ContactMemory.objects.filter(pk=item.pk).exists())


def test_the_old_action_switch_is_gone(alpha, chat):
    conversation, _, _ = chat
    response = client_for(alpha.creator, alpha.coach).post(
        f"/hub/inbox/{conversation.pk}/act/", {"action": "take_over"}
    )
    assert response.status_code == 404
    with tenant_context(alpha.creator):
        assert handler(conversation) == "ai"
