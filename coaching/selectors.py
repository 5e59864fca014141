from __future__ import annotations

import uuid

from django.db.models import QuerySet

from coaching.models import CheckupQuestion


def checkup_questions_list() -> QuerySet[CheckupQuestion]:
    return CheckupQuestion.objects.all()


def checkup_question_get(public_id: uuid.UUID) -> CheckupQuestion | None:
    return CheckupQuestion.objects.filter(public_id=public_id).first()
