"""Exactly one reply per message, with as few database round trips as the socket path allows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from conversations import services
from conversations.models import Contact, Message
from conversations.services.turns import Turn, turn_answer, turn_intake

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_claimed_as_it_is_stored_is_answered_once(alpha, knowledge):
    with tenant_context(alpha.creator):
        contact = Contact.objects.create(anonymous=True)
        message, created = services.message_receive(contact=contact, text="How do I sleep better?", claim_reply=True)
        assert created and message.reply_started_at is not None
        assert services.reply_claim(message_id=message.pk) is None, "a resend elsewhere cannot answer it again"
        reply = services.reply_generate(message_id=message.pk, claimed=message)
        assert reply is not None and reply.in_reply_to_id == message.pk
        assert services.reply_generate(message_id=message.pk) is None
        assert Message.objects.filter(in_reply_to=message).count() == 1


def test_a_taken_over_conversation_is_not_claimed_for_the_ai(alpha, knowledge):
    with tenant_context(alpha.creator):
        contact = Contact.objects.create(anonymous=True)
        first, _ = services.message_receive(contact=contact, text="Hello", claim_reply=True)
        first.conversation.handler = "human"
        first.conversation.save(update_fields=["handler"])
        second, _ = services.message_receive(
            contact=contact, text="Anyone there?", conversation=first.conversation, claim_reply=True
        )
        assert second.reply_started_at is None


def test_the_sockets_next_message_and_its_reply_take_a_bounded_number_of_queries(alpha, knowledge):
    with tenant_context(alpha.creator):
        # A person whose language the coach knows already (learning it is one write, once).
        contact = Contact.objects.create(anonymous=True, language="en")
        first, _ = services.message_receive(contact=contact, text="Hi, I'm Ana.", claim_reply=True)
        services.reply_generate(message_id=first.pk, claimed=first)
        with CaptureQueriesContext(connection) as store:
            turn = turn_intake(
                Turn(
                    outlet="app",
                    text="How do I sleep better?",
                    client_id="tab-1-message-2",
                    contact_id=contact.pk,
                    conversation_id=str(first.conversation_id),
                )
            )
        with CaptureQueriesContext(connection) as reply:
            turn_answer(turn)
    # conversation+contact, resend check, BEGIN, INSERT, UPDATE, its event, COMMIT; then coaching's
    # one indexed look for nudges waiting to go to this person (they wrote first: cancelled) and one
    # for a check-in waiting for this person's answer
    assert len(store) <= 9, "\n".join(q["sql"][:100] for q in store)
    # history, persona, memories, policy, pinned answers, the library's fingerprint (keeps every
    # worker's lexical index in step); then BEGIN, lock, INSERT, summary, UPDATE, the reply's events
    # (one INSERT for message_out and the answer's kind), COMMIT
    assert len(reply) <= 13, [q["sql"][:80] for q in reply]
