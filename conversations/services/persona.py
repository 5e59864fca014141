"""The coach's persona: how it names itself, greets and writes. One row per creator schema."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from conversations.models import Persona
from tenants.models import User

PERSONA_FIELDS = ("coach_name", "voice", "rules", "greeting", "phrases", "safety_message")


def persona_ensure() -> Persona:
    """The current schema's persona row, stored with the defaults if there is none yet.

    Every schema gets its row from a migration (new creators through the template clone); this is
    the one place a missing row is written, so reads (persona_get) never have to.
    """
    with transaction.atomic():
        persona = Persona.objects.select_for_update().order_by("pk").first()
        return persona if persona is not None else Persona.objects.create()


def persona_update(*, editor: User, **changes: str) -> Persona:
    unknown = set(changes) - set(PERSONA_FIELDS)
    if unknown:
        raise ValueError(f"not persona fields: {sorted(unknown)}")
    with transaction.atomic():
        persona = persona_ensure()
        for field, value in changes.items():
            setattr(persona, field, value.strip() if isinstance(value, str) else value)
        persona.updated_at = timezone.now()
        persona.updated_by_email = editor.email
        persona.full_clean()
        persona.save()
    return persona
