from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from coaching.models import CheckupQuestion
from conversations.selectors import persona_get
from tenants.models import Creator


def checkup_question_add(*, question: str, required_facts: list[str]) -> CheckupQuestion:
    facts = [fact.strip() for fact in required_facts if fact.strip()]
    if not question.strip():
        raise ValidationError({"question": "Write the question."})
    if not facts:
        raise ValidationError({"required_facts": "List at least one fact the answer must contain."})
    return CheckupQuestion.objects.create(question=question.strip()[:500], required_facts=facts[:20])


def checkup_question_delete(*, question: CheckupQuestion) -> None:
    question.delete()


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
    from knowledge.models import creator_media_dir
    from tenants.services import creator_delete

    vectors.drop_collection_if_exists(creator.schema_name)
    media = settings.MEDIA_ROOT / creator_media_dir(creator.schema_name)
    shutil.rmtree(media, ignore_errors=True)
    creator_delete(creator=creator)
    return {"slug": creator.slug, "schema": creator.schema_name, "media": str(media)}
