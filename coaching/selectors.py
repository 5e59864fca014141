from __future__ import annotations

from coaching.models import Persona


def persona_get() -> Persona:
    """The current schema's persona; every creator schema holds exactly one (see migration 0002)."""
    persona = Persona.objects.order_by("pk").first()
    return persona if persona is not None else Persona.objects.create()
