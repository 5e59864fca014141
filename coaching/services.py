from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coaching.models import Persona
from coaching.selectors import persona_get
from tenants.models import User

PERSONA_FIELDS = ("coach_name", "voice", "rules", "greeting")


def persona_update(*, editor: User, **changes: str) -> Persona:
    unknown = set(changes) - set(PERSONA_FIELDS)
    if unknown:
        raise ValueError(f"not persona fields: {sorted(unknown)}")
    with transaction.atomic():
        persona = persona_get()
        for field, value in changes.items():
            setattr(persona, field, value.strip() if isinstance(value, str) else value)
        persona.updated_at = timezone.now()
        persona.updated_by_email = editor.email
        persona.full_clean()
        persona.save()
    return persona
