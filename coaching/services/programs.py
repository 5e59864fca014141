"""Writes about programs: their versions, steps and goals, and publishing."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import event_record
from coaching.models import Goal, Program, ProgramStep, ProgramVersion
from coaching.selectors import program_draft
from tenants import clock


def program_create(*, name: str, description: str = "", status: str = Program.Status.DRAFT, **options: Any) -> Program:
    """A program with its first (draft) version; `status="active"` publishes it straight away."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the program a name.")})
    if status not in (Program.Status.DRAFT, Program.Status.ACTIVE):
        raise ValidationError({"status": _("A new program is a draft or active.")})
    with transaction.atomic():
        program = Program(name=name[:120], description=(description or "").strip()[:2000])
        _program_options(program, **options)
        program.full_clean()
        program.save()
        ProgramVersion.objects.create(program=program, number=1)
        if status == Program.Status.ACTIVE:
            program_publish(program=program)
    return program


def _program_options(program: Program, *, keyword: str | None = None, web_enrollment: bool | None = None) -> None:
    if keyword is not None:
        keyword = keyword.strip().lower()
        if keyword and (len(keyword) > 40 or " " in keyword):
            raise ValidationError({"keyword": _("One word of up to 40 characters.")})
        clash = Program.objects.filter(keyword__iexact=keyword).exclude(pk=program.pk).exists() if keyword else False
        if clash:
            raise ValidationError({"keyword": _("Another program uses this keyword.")})
        program.keyword = keyword
    if web_enrollment is not None:
        program.web_enrollment = bool(web_enrollment)


def program_update(
    *, program: Program, name: str | None = None, description: str | None = None, **options: Any
) -> Program:
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": _("Give the program a name.")})
        program.name = name.strip()[:120]
    if description is not None:
        program.description = description.strip()[:2000]
    _program_options(program, **options)
    program.updated_at = clock.now()
    program.save()
    return program


def program_draft_ensure(*, program: Program) -> ProgramVersion:
    """The version edits go to: the draft, made from what is live (steps and goals copied) the
    first time an active program is edited, so people on it see nothing until it is published."""
    if program.status == Program.Status.ARCHIVED:
        raise ValidationError(_("An archived program cannot be edited."))
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        draft = program_draft(program)
        if draft is not None:
            return draft
        live = program.live_version
        number = (program.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = ProgramVersion.objects.create(program=program, number=number)
        if live is not None:
            for step in live.steps.all():
                step.pk, step.version = None, draft
                step.save(force_insert=True)
            for goal in live.goals.all():
                goal.pk, goal.version = None, draft
                goal.save(force_insert=True)
        return draft


def _step_clean(step: ProgramStep) -> None:
    step.text = (step.text or "").strip()
    if step.kind == ProgramStep.Kind.CHECK_IN:
        if not step.answer_type:
            raise ValidationError({"answer": _("A check-in needs an answer type.")})
        if not step.metric:
            raise ValidationError({"metric": _("A check-in needs a metric name, e.g. sleep_hours.")})
    else:
        step.answer_type, step.unit, step.metric = "", "", ""
    if step.answer_type != ProgramStep.AnswerType.NUMBER:
        step.unit = ""
    step.full_clean(exclude=["version", "document"])


def step_add(*, program: Program, **fields: Any) -> ProgramStep:
    """A step at the end of its day (position), on the draft version."""
    with transaction.atomic():
        draft = program_draft_ensure(program=program)
        step = ProgramStep(version=draft, **_step_fields(fields))
        _step_clean(step)
        step.position = (draft.steps.filter(day=step.day).aggregate(p=Max("position"))["p"] or 0) + 1
        step.save()
        _touched(program)
        return step


def _step_fields(fields: dict[str, Any]) -> dict[str, Any]:
    allowed = {"kind", "day", "at", "text", "answer_type", "unit", "metric", "document"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    if isinstance(fields.get("at"), str):
        fields = {**fields, "at": time_parse(fields["at"], field="at")}
    return fields


def time_parse(value: str | time | None, *, field: str) -> time | None:
    """ "08:00" → 08:00; empty → None (right away)."""
    if value is None or isinstance(value, time):
        return value
    value = value.strip()
    if not value:
        return None
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise ValidationError({field: _("Write a time of day as HH:MM, e.g. 08:00.")}) from None


def step_update(*, program: Program, step: ProgramStep, **fields: Any) -> ProgramStep:
    """Edits on the draft: a step of the live version is edited through its copy in the draft."""
    with transaction.atomic():
        draft = program_draft_ensure(program=program)
        if step.version_id != draft.pk:
            step = _draft_twin(draft, step)
        for name, value in _step_fields(fields).items():
            setattr(step, name, value)
        _step_clean(step)
        step.save()
        _touched(program)
        return step


def _draft_twin(draft: ProgramVersion, step: ProgramStep) -> ProgramStep:
    twin = draft.steps.filter(day=step.day, at=step.at, text=step.text, kind=step.kind).first()
    if twin is None:
        raise ValidationError(_("This step is not in the version being edited."))
    return twin


def step_delete(*, program: Program, step: ProgramStep) -> None:
    with transaction.atomic():
        draft = program_draft_ensure(program=program)
        (step if step.version_id == draft.pk else _draft_twin(draft, step)).delete()
        _touched(program)


def steps_reorder(*, program: Program, step_ids: list[str]) -> None:
    """The builder's drag and drop: steps keep their day; their order within a day follows the list."""
    with transaction.atomic():
        draft = program_draft_ensure(program=program)
        steps = {str(step.pk): step for step in draft.steps.all()}
        if set(step_ids) != set(steps):
            raise ValidationError(_("The order must list every step of the program once."))
        for position, step_id in enumerate(step_ids, start=1):
            ProgramStep.objects.filter(pk=steps[step_id].pk).update(position=position)
        _touched(program)


def goal_add(*, program: Program, **fields: Any) -> Goal:
    with transaction.atomic():
        draft = program_draft_ensure(program=program)
        goal = Goal(version=draft, **fields)
        goal.full_clean(exclude=["version"])
        goal.save()
        _touched(program)
        return goal


def goal_delete(*, program: Program, goal: Goal) -> None:
    with transaction.atomic():
        draft = program_draft_ensure(program=program)
        if goal.version_id != draft.pk:
            goal = draft.goals.filter(metric=goal.metric, target=goal.target, comparison=goal.comparison).first()
        if goal is not None:
            goal.delete()
        _touched(program)


def _touched(program: Program) -> None:
    Program.objects.filter(pk=program.pk).update(updated_at=clock.now())


def program_publish(*, program: Program) -> ProgramVersion:
    """The draft goes live: new enrollments join it; people already in follow their own version."""
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        draft = program_draft(program)
        if draft is None:
            raise ValidationError(_("Nothing to publish: edit the program first."))
        if not draft.steps.exists():
            raise ValidationError(_("Add at least one step before publishing."))
        now = clock.now()
        draft.published_at = now
        draft.save(update_fields=["published_at"])
        program.live_version, program.status, program.updated_at = draft, Program.Status.ACTIVE, now
        program.save(update_fields=["live_version", "status", "updated_at"])
        event_record(Event.Kind.PROGRAM_PUBLISHED, subject_id=program.pk, value=draft.number)
        return draft


def program_archive(*, program: Program) -> Program:
    """No new enrollments; people already in finish it."""
    program.status, program.updated_at = Program.Status.ARCHIVED, clock.now()
    program.save(update_fields=["status", "updated_at"])
    return program
