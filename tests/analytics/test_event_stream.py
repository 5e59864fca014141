"""The event stream: ids, kinds and numbers, written with the action they record, never text."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.models import Event
from analytics.selectors import event_counts, events_for_contact
from analytics.services import EventSpec, contact_events_anonymise, event_record, events_record

pytestmark = pytest.mark.django_db


def _search_path_set() -> None:
    """django-tenants sets the search path lazily, on the first query after a schema switch:
    run one before counting, so the count is the service's own queries."""
    Event.objects.exists()


def test_it_records_an_event_with_its_ids(alpha, django_assert_num_queries):
    contact, conversation, message = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    when = timezone.now() - timedelta(days=3)
    with tenant_context(alpha.creator):
        _search_path_set()
        with django_assert_num_queries(1):  # cheap enough for the reply path: one INSERT
            event = event_record(
                Event.Kind.MESSAGE_IN,
                contact_id=contact,
                conversation_id=conversation,
                subject_id=message,
                outlet="web",
                author=Event.Author.USER,
                value=412.5,
                data={"language": "es", "tokens": 17, "grounded": True, "sources": ["doc-1", None]},
                occurred_at=when,
            )
        stored = Event.objects.get(pk=event.pk)
    assert stored.kind == "message_in"
    assert (stored.contact_id, stored.conversation_id, stored.subject_id) == (contact, conversation, message)
    assert (stored.outlet, stored.author, stored.value) == ("web", "user", 412.5)
    assert stored.data == {"language": "es", "tokens": 17, "grounded": True, "sources": ["doc-1", None]}
    assert stored.occurred_at == when


def test_a_rolled_back_action_leaves_no_event(alpha):
    with tenant_context(alpha.creator):
        with pytest.raises(RuntimeError), transaction.atomic():
            event_record(Event.Kind.TAKEOVER, conversation_id=uuid.uuid4())
            raise RuntimeError("the takeover failed")
        assert not Event.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"text": "I keep skipping my morning run"},
        {"note": "x" * 65},
        {"nested": {"deeper": ["ok", "two words"]}},
        {"tab": "a\tb"},
        {"has space": 1},
        {"when": timezone.now()},
        {"score": float("nan")},
    ],
)
def test_it_refuses_text_in_data(alpha, data):
    with tenant_context(alpha.creator):
        with pytest.raises(ValueError):
            event_record(Event.Kind.MEMORY_KEPT, data=data)
        with pytest.raises(ValueError):
            events_record([EventSpec(kind=Event.Kind.MESSAGE_OUT), EventSpec(kind=Event.Kind.ANSWER_PINNED, data=data)])
        assert not Event.objects.exists()


def test_it_refuses_an_unknown_kind_or_author(alpha):
    with tenant_context(alpha.creator):
        with pytest.raises(ValueError):
            event_record("message_deleted")
        with pytest.raises(ValueError):
            event_record(Event.Kind.MESSAGE_OUT, author="robot")


def test_anonymise_clears_only_that_contacts_events(alpha):
    leaving, staying = uuid.uuid4(), uuid.uuid4()
    with tenant_context(alpha.creator):
        event_record(Event.Kind.CONTACT_CREATED, contact_id=leaving)
        event_record(Event.Kind.MESSAGE_IN, contact_id=leaving)
        event_record(Event.Kind.MESSAGE_IN, contact_id=staying)

        assert contact_events_anonymise(contact_id=leaving) == 2

        assert not events_for_contact(contact_id=leaving).exists()
        assert events_for_contact(contact_id=staying).count() == 1
        # The counts survive the erasure; only the link to the person is gone.
        assert Event.objects.filter(contact_id=None).count() == 2
        assert Event.objects.filter(kind=Event.Kind.MESSAGE_IN).count() == 2


def test_alphas_events_are_not_visible_from_betas_schema(alpha, beta):
    contact = uuid.uuid4()
    with tenant_context(alpha.creator):
        event_record(Event.Kind.WIDGET_OPENED, contact_id=contact, outlet="web")
    with tenant_context(beta.creator):
        assert not Event.objects.exists()
        assert not events_for_contact(contact_id=contact).exists()
        assert event_counts(since=timezone.now() - timedelta(hours=1), until=timezone.now())["widget_opened"] == 0
    with tenant_context(alpha.creator):
        assert events_for_contact(contact_id=contact).count() == 1


def test_the_bulk_path_writes_both_events_in_one_query(alpha, django_assert_num_queries):
    conversation, message = uuid.uuid4(), uuid.uuid4()
    with tenant_context(alpha.creator):
        _search_path_set()
        with django_assert_num_queries(1):
            events = events_record(
                [
                    EventSpec(
                        kind=Event.Kind.MESSAGE_OUT,
                        conversation_id=conversation,
                        subject_id=message,
                        author=Event.Author.AI,
                        value=850,
                    ),
                    EventSpec(
                        kind=Event.Kind.ANSWER_GROUNDED, conversation_id=conversation, subject_id=message, value=0.82
                    ),
                ]
            )
        stored = list(Event.objects.filter(conversation_id=conversation).order_by("id"))
    assert [event.kind for event in stored] == ["message_out", "answer_grounded"]
    assert [event.pk for event in events] == [event.pk for event in stored]
    assert stored[0].occurred_at == stored[1].occurred_at  # one moment, one timestamp


def test_event_counts_covers_every_kind_in_a_half_open_period(alpha):
    start = timezone.now().replace(microsecond=0) - timedelta(days=7)
    with tenant_context(alpha.creator):
        event_record(Event.Kind.MESSAGE_IN, occurred_at=start - timedelta(seconds=1))
        event_record(Event.Kind.MESSAGE_IN, occurred_at=start)
        event_record(Event.Kind.MESSAGE_IN, occurred_at=start + timedelta(hours=1))
        event_record(Event.Kind.ANSWER_UNKNOWN, occurred_at=start + timedelta(hours=2))
        event_record(Event.Kind.MESSAGE_IN, occurred_at=start + timedelta(days=1))

        counts = event_counts(since=start, until=start + timedelta(days=1))

    assert counts["message_in"] == 2
    assert counts["answer_unknown"] == 1
    assert set(counts) == set(Event.Kind.values)
    assert sum(counts.values()) == 3
