"""A program drafted from a goal and the creator's material ("Draft with AI").

The lessons come from knowledge.drafting (quoted from the material, or written by Ollama from it);
this module lays them out as a draft program: a welcome on day 0, the lessons spread over the days,
each ending with its source, and check-ins after them. The welcome and the check-in questions are
fixed, translatable phrases: nothing here states a fact. The draft is never published: the creator
edits it in the builder first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coaching.models import Program, ProgramStep
from coaching.services.programs import program_create, step_add

if TYPE_CHECKING:
    from knowledge.answering import Voice

GOAL_MAX_LENGTH = 500
DAYS_MIN, DAYS_MAX = 1, 365
MAX_LESSONS = 7
LESSON_AT = time(9, 0)
CHECK_IN_AT = time(20, 0)
CHECK_IN_EVERY = 7  # days


@dataclass(frozen=True)
class CheckIn:
    """What a check-in asks for; the question is a phrase to translate at draft time."""

    answer_type: str
    metric: str
    unit: str
    question: str


# Goals that name something measurable get a check-in with a number (or a 1-10 scale) and a metric,
# so that goals and progress charts can follow it. The first pattern found in the goal wins.
MEASURABLE: list[tuple[re.Pattern[str], CheckIn]] = [
    (
        re.compile(r"\b(sleep\w*|slept|nap\w*|bedtime|insomnia|dormir|duerm\w*|sueño|descans\w*)\b", re.IGNORECASE),
        CheckIn(
            ProgramStep.AnswerType.NUMBER, "sleep_hours", "h", gettext_noop("How many hours did you sleep last night?")
        ),
    ),
    (
        re.compile(r"\b(water|hydrat\w*|drink\w*|agua|hidrat\w*|beber)\b", re.IGNORECASE),
        CheckIn(
            ProgramStep.AnswerType.NUMBER,
            "water_glasses",
            "glasses",
            gettext_noop("How many glasses of water did you drink today?"),
        ),
    ),
    (
        re.compile(r"\b(steps|walk\w*|pasos|camin\w*)\b", re.IGNORECASE),
        CheckIn(ProgramStep.AnswerType.NUMBER, "steps", "steps", gettext_noop("How many steps did you walk today?")),
    ),
    (
        re.compile(r"\b(weight|lose \w+ (kg|kilos?|pounds|lbs)|peso|adelgaz\w*)\b", re.IGNORECASE),
        CheckIn(
            ProgramStep.AnswerType.NUMBER, "weight_kg", "kg", gettext_noop("What is your weight today, in kilograms?")
        ),
    ),
    (
        re.compile(r"\b(exercis\w*|workout\w*|train\w*|run\w*|ejercicio\w*|entren\w*|correr)\b", re.IGNORECASE),
        CheckIn(
            ProgramStep.AnswerType.NUMBER,
            "exercise_minutes",
            "min",
            gettext_noop("How many minutes did you exercise today?"),
        ),
    ),
    (
        re.compile(r"\b(stress\w*|anxi\w*|estr[eé]s\w*|ansi\w*)\b", re.IGNORECASE),
        CheckIn(
            ProgramStep.AnswerType.SCALE,
            "stress_level",
            "",
            gettext_noop("How stressed did you feel today, from 1 to 10?"),
        ),
    ),
    (
        re.compile(r"\b(mood|energy|[aá]nimo|energ[ií]a)\b", re.IGNORECASE),
        CheckIn(
            ProgramStep.AnswerType.SCALE, "energy_level", "", gettext_noop("How was your energy today, from 1 to 10?")
        ),
    ),
]
REFLECTION = CheckIn(
    ProgramStep.AnswerType.TEXT,
    "reflection",
    "",
    gettext_noop("What did you try since the last lesson, and how did it go?"),
)


def check_in_for(goal: str) -> CheckIn:
    """The check-in a goal calls for: a number or scale when it names something measurable."""
    for pattern, check_in in MEASURABLE:
        if pattern.search(goal):
            return check_in
    return REFLECTION


def lesson_days(count: int, days: int) -> list[int]:
    """Days for `count` lessons spread evenly from day 1 to the day before the last (day 0 welcomes)."""
    first, last = (1, days - 1) if days >= 2 else (days, days)
    if count <= 1:
        return [first]
    return [first + round(number * (last - first) / (count - 1)) for number in range(count)]


def check_in_days(days: int) -> list[int]:
    """Once a week, and on the last day."""
    found = list(range(CHECK_IN_EVERY, days + 1, CHECK_IN_EVERY))
    if not found or found[-1] != days:
        found.append(max(days, 1))
    return found


def program_name(goal: str) -> str:
    line = goal.strip().splitlines()[0].strip()
    if len(line) <= 120:
        return line
    return line[:119].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def source_line(citation: dict) -> str:
    if citation.get("page"):
        return _("Source: %(title)s, p. %(page)s") % {"title": citation["title"], "page": citation["page"]}
    return _("Source: %(title)s") % {"title": citation["title"]}


def program_draft_from_goal(*, goal: str, days: int = 14, language: str | None = None) -> Program:
    """A DRAFT program for `goal` built from the current creator's material (see the module's doc).

    ValidationError when the goal is empty or too long, the days out of range, or the material has
    nothing about the goal."""
    from knowledge.drafting import draft_lessons
    from knowledge.language import detect_language
    from knowledge.selectors import document_get

    goal = (goal or "").strip()
    if not goal:
        raise ValidationError({"goal": _("Describe the goal of the program.")})
    if len(goal) > GOAL_MAX_LENGTH:
        raise ValidationError(
            {"goal": _("Describe the goal in at most %(limit)s characters.") % {"limit": GOAL_MAX_LENGTH}}
        )
    if isinstance(days, bool) or not isinstance(days, int) or not DAYS_MIN <= days <= DAYS_MAX:
        raise ValidationError(
            {"days": _("A program lasts from %(min)s to %(max)s days.") % {"min": DAYS_MIN, "max": DAYS_MAX}}
        )
    if language not in ("en", "es"):
        current = (translation.get_language() or "en")[:2]
        language = detect_language(goal, default=current if current in ("en", "es") else "en")
    voice = _voice()
    lessons = draft_lessons(goal, language=language, count=min(MAX_LESSONS, max(1, days // 3 + 1)), voice=voice)
    if not lessons:  # said in the creator's language, not the lessons'
        raise ValidationError({"goal": _("Your material has nothing about this goal yet: add documents first.")})
    with translation.override(language):
        check_in = check_in_for(goal)
        written_question = next((lesson.check_in for lesson in lessons if lesson.check_in), None)
        question = written_question if check_in is REFLECTION and written_question else _(check_in.question)
        with transaction.atomic():
            program = program_create(name=program_name(goal), description=goal)
            welcome = _(
                "Welcome! For the next %(days)s days we work on this goal together: %(goal)s. Each lesson "
                "names the material it comes from."
            ) % {"days": days, "goal": goal}
            step_add(program=program, kind=ProgramStep.Kind.MESSAGE, day=0, text=welcome[:2000])
            for lesson, day in zip(lessons, lesson_days(len(lessons), days), strict=True):
                citation = lesson.citations[0] if lesson.citations else None
                titled = lesson.title and (citation is None or lesson.title != citation["title"])
                text = f"{lesson.title}\n\n{lesson.text}" if titled else lesson.text
                if citation is not None:
                    text = f"{text}\n\n{source_line(citation)}"
                document = document_get(citation["document"]) if citation and citation.get("document") else None
                step_add(
                    program=program,
                    kind=ProgramStep.Kind.LESSON,
                    day=day,
                    at=LESSON_AT,
                    text=text[:2000],
                    document=document,
                )
            for day in check_in_days(days):
                step_add(
                    program=program,
                    kind=ProgramStep.Kind.CHECK_IN,
                    day=day,
                    at=CHECK_IN_AT,
                    text=question,
                    answer_type=check_in.answer_type,
                    unit=check_in.unit,
                    metric=check_in.metric,
                )
    program.refresh_from_db()
    return program


def _voice() -> Voice:
    from conversations.selectors import persona_get
    from knowledge.answering import Voice

    persona = persona_get()
    return Voice(coach_name=persona.coach_name, voice=persona.voice, rules=persona.rules)
