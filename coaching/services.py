from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coaching.models import CheckupQuestion, Persona
from coaching.selectors import persona_get
from tenants.models import Creator, User

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


def checkup_question_add(*, question: str, required_facts: list[str]) -> CheckupQuestion:
    facts = [fact.strip() for fact in required_facts if fact.strip()]
    if not question.strip():
        raise ValidationError({"question": "Write the question."})
    if not facts:
        raise ValidationError({"required_facts": "List at least one fact the answer must contain."})
    return CheckupQuestion.objects.create(question=question.strip()[:500], required_facts=facts[:20])


def checkup_run() -> dict[str, Any]:
    """Ask the current coach every check-up question; pass when each required fact is in the reply."""
    from knowledge.answering import Voice, answer

    persona = persona_get()
    voice = Voice(coach_name=persona.coach_name, voice=persona.voice, rules=persona.rules)
    results = []
    for item in CheckupQuestion.objects.all():
        reply = answer(item.question, voice=voice)
        text = reply.text.casefold()
        missing = [fact for fact in item.required_facts if fact.casefold() not in text]
        results.append(
            {"id": item.public_id, "question": item.question, "passed": not missing, "missing_facts": missing,
             "reply": reply.text, "citations": reply.citations}
        )  # fmt: skip
    passed = sum(result["passed"] for result in results)
    return {"passed": passed, "total": len(results), "results": results}


def creator_purge(*, creator: Creator) -> dict[str, Any]:
    """Everything a creator left behind: vectors, uploaded files, schema, hosts and team.

    Vectors and files go first: if the vector store is unreachable nothing is deleted yet and
    the purge can simply be run again.
    """
    import shutil

    from django.conf import settings

    from knowledge import vectors
    from tenants.services import creator_delete

    vectors.drop_collection_if_exists(creator.schema_name)
    media = settings.MEDIA_ROOT / "creators" / creator.schema_name
    shutil.rmtree(media, ignore_errors=True)
    creator_delete(creator=creator)
    return {"slug": creator.slug, "schema": creator.schema_name, "media": str(media)}
