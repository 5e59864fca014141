"""Every action in a conversation records its event (analytics' event stream) in the same
transaction: ids, kinds and numbers, never the words people wrote."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django_tenants.utils import tenant_context

from analytics.models import Event
from conversations import services
from conversations.identity import WebIdentity
from conversations.models import ContactMemory
from conversations.services import turns
from tests.conversations.live import widget_for
from tests.factories import ContactFactory, ConversationFactory, bearer, host

pytestmark = pytest.mark.django_db


def kinds(**filters) -> list[str]:
    return sorted(Event.objects.filter(**filters).values_list("kind", flat=True))


def test_a_first_message_records_the_new_contact_the_message_and_the_reply(alpha):
    import uuid

    with tenant_context(alpha.creator):
        visitor = uuid.uuid4()
        turn = turns.turn_run(
            turns.Turn(outlet="web", text="What is the capital of France?", web_identity=WebIdentity(visitor))
        )
        contact = turn.message.conversation.contact
        assert kinds(contact_id=contact.pk) == ["answer_unknown", "contact_created", "message_in", "message_out"]
        message_in = Event.objects.get(kind="message_in", contact_id=contact.pk)
        assert (message_in.outlet, message_in.author, message_in.subject_id) == ("web", "user", turn.message.pk)
        assert Event.objects.get(kind="message_out", contact_id=contact.pk).subject_id == turn.reply.pk
        assert "France" not in str(list(Event.objects.filter(contact_id=contact.pk).values()))


def test_a_pinned_answer_is_recorded_as_such(knowledge, alpha):
    client = Client(**host(alpha.creator))
    client.post(
        "/api/v1/curated-answers",
        {"question": "How do I cancel my membership?", "answer": "Write to hola@example.com before the 25th."},
        content_type="application/json",
        **bearer(alpha.owner, alpha.creator),
    )
    with tenant_context(alpha.creator):
        turn = turns.turn_run(
            turns.Turn(outlet="api", text="How can I cancel my membership?", reference={"external_id": "pin"})
        )
        assert kinds(conversation_id=turn.message.conversation_id) == ["answer_pinned", "message_in", "message_out"]


def test_taking_over_and_handing_back_are_recorded(alpha):
    with tenant_context(alpha.creator):
        conversation = ConversationFactory()
        services.conversation_take_over(conversation=conversation, member=alpha.coach)
        services.member_message_send(conversation=conversation, member=alpha.coach, text="Hi, it's Carla.")
        services.conversation_hand_back(conversation=conversation)
        assert kinds(conversation_id=conversation.pk) == ["hand_back", "message_out", "takeover"]
        assert Event.objects.get(kind="message_out", conversation_id=conversation.pk).author == "human"


def test_memories_kept_and_forgotten_are_recorded_and_a_refused_one_is_not(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory()
        services.memory_learn(contact=contact, text="I'm Ana and I want to run a marathon.")
        services.memory_save(contact=contact, kind=ContactMemory.Kind.CONSTRAINT, text="Bad knee")
        kept = Event.objects.filter(kind="memory_kept", contact_id=contact.pk).count()
        assert kept >= 2
        with pytest.raises(Exception):  # noqa: B017 - the same memory twice is refused
            services.memory_save(contact=contact, kind=ContactMemory.Kind.CONSTRAINT, text="Bad knee")
        assert Event.objects.filter(kind="memory_kept", contact_id=contact.pk).count() == kept
        services.memory_forget(contact=contact)
        forgotten = Event.objects.get(kind="memory_forgotten", contact_id=contact.pk)
        assert forgotten.data["count"] == kept


def test_opening_the_widget_is_counted_once_a_day_per_browser_and_carries_no_contact(alpha):
    widget = widget_for(alpha.creator)

    def opened() -> int:
        with tenant_context(alpha.creator):
            return Event.objects.filter(kind="widget_opened", subject_id=widget.pk).count()

    before = opened()
    for _ in range(5):  # a script that sends no cookie: counted by its address, once
        assert Client(**host(alpha.creator)).get(f"/widget/{widget.key}/").status_code == 200
    assert opened() == before + 1
    browser = Client(**host(alpha.creator))
    browser.get(f"/widget/{widget.key}/")  # its first visit counts as that address (already counted)
    for _ in range(3):  # the browser, now with its visitor cookie, reloading
        browser.get(f"/widget/{widget.key}/")
    assert opened() == before + 2
    with tenant_context(alpha.creator):
        assert not Event.objects.filter(kind="widget_opened", contact_id__isnull=False).exists()


def test_an_action_that_rolls_back_leaves_no_event(alpha):
    with tenant_context(alpha.creator):
        before = Event.objects.filter(kind="contact_created").count()
        with pytest.raises(RuntimeError), transaction.atomic():
            services.contact_resolve(email="rolled-back@example.org")
            raise RuntimeError("the request failed after the contact was made")
        assert Event.objects.filter(kind="contact_created").count() == before


def test_erasing_a_contact_keeps_the_counts_but_not_the_person(alpha):
    with tenant_context(alpha.creator):
        turn = turns.turn_run(turns.Turn(outlet="api", text="Hello", reference={"external_id": "erase-me"}))
        contact = turn.message.conversation.contact
        contact_id = contact.pk
        events = Event.objects.filter(conversation_id=turn.message.conversation_id)
        count = events.count()
        services.contact_delete(contact=contact)
        assert events.count() == count
        assert not Event.objects.filter(contact_id=contact_id).exists()
