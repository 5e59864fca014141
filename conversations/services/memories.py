"""What the coach remembers about a person, learned or written by the team."""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.models import Event
from analytics.services import event_record
from conversations import memory
from conversations.models import Contact, ContactMemory

logger = logging.getLogger(__name__)


# --- What the coach remembers ------------------------------------------------------------------


def memory_learn(*, contact: Contact, text: str) -> list[ContactMemory]:
    learned = []
    for kind, words in memory.facts_in(text):
        if kind == ContactMemory.Kind.NAME:
            contact.memories.filter(kind=kind).exclude(text=words).delete()
            Contact.objects.filter(pk=contact.pk).update(display_name=words[:120])
        item, created = ContactMemory.objects.get_or_create(contact=contact, kind=kind, text=words[:300])
        if created:
            learned.append(item)
            _memory_event(Event.Kind.MEMORY_KEPT, contact, item.pk, source=ContactMemory.Source.LEARNED)
    return learned


def _memory_event(kind: str, contact: Contact, memory_id: uuid.UUID | None, **data: object) -> None:
    event_record(kind, contact_id=contact.pk, subject_id=memory_id, data=data)


def memory_save(*, contact: Contact, kind: str, text: str, item: ContactMemory | None = None) -> ContactMemory:
    """The team writes or corrects what the coach remembers."""
    text = " ".join(text.split())
    if kind not in ContactMemory.Kind.values:
        raise ValidationError({"kind": "Choose name, goal, constraint or preference."})
    if not text or len(text) > 300:
        raise ValidationError({"text": "Write what to remember in 1 to 300 characters."})
    item = item or ContactMemory(contact=contact)
    item.kind, item.text, item.source, item.updated_at = kind, text, ContactMemory.Source.CREATOR, timezone.now()
    try:
        with transaction.atomic():
            item.save()
            _memory_event(Event.Kind.MEMORY_KEPT, contact, item.pk, source=ContactMemory.Source.CREATOR)
    except IntegrityError as exc:
        raise ValidationError({"text": "The coach already remembers exactly that."}) from exc
    return item


def memory_forget(*, contact: Contact, memory_id: uuid.UUID | None = None) -> int:
    """Forget one memory (the team) or everything (the person asked to be forgotten)."""
    memories = contact.memories.all() if memory_id is None else contact.memories.filter(pk=memory_id)
    with transaction.atomic():
        deleted, _ = memories.delete()
        if memory_id is None or not contact.memories.filter(kind=ContactMemory.Kind.NAME).exists():
            Contact.objects.filter(pk=contact.pk).update(display_name="")
        if deleted:
            _memory_event(Event.Kind.MEMORY_FORGOTTEN, contact, memory_id, count=deleted)
    return deleted
