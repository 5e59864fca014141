from __future__ import annotations

import uuid
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.forms import SAFETY_MAX_LENGTH, phrases_clean
from coaching.models import CheckupQuestion, Enrollment, Goal, Measurement, Program, ProgramStep, Reminder
from coaching.selectors import (
    checkup_question_get,
    checkup_questions_list,
    enrollment_get,
    enrollment_progress,
    enrollments_list,
    measurements_for,
    proactive_settings,
    program_changes,
    program_get,
    program_goal_get,
    program_step_get,
    program_working_version,
    programs_list,
    reminder_get,
    reminders_for,
)
from coaching.services import checkup_question_add, checkup_question_delete, checkup_run
from coaching.services.enrollments import (
    EnrollmentExists,
    enrollment_create,
    enrollment_leave,
    enrollment_pause,
    enrollment_resume,
    enrollment_update,
    sending_window_update,
)
from coaching.services.programs import (
    goal_add,
    goal_delete,
    program_archive,
    program_create,
    program_publish,
    program_update,
    step_add,
    step_delete,
    step_update,
    steps_reorder,
)
from coaching.services.replies import reminder_cancel
from conversations.models import Contact, Persona
from conversations.selectors import contact_by_id, persona_get
from conversations.services.persona import persona_update
from tenants import clock
from tenants.api_errors import api_error
from tenants.permissions import ContentPermissions, requires
from tenants.roles import Capability


class PersonaSerializer(serializers.ModelSerializer):
    updated_by_email = serializers.CharField(read_only=True, help_text="Who edited last; empty before any edit.")
    phrases = serializers.JSONField(
        required=False,
        help_text='The coach\'s own fixed phrases by language, e.g. {"es": {"thanks": "¡A ti!"}}: languages en, es; '
        "phrases greeting, thanks, sign_off, capabilities, unknown, not_understood, offer, declined, human (up to "
        "300 characters). The whole object is replaced; a phrase left out or empty uses the default.",
    )
    safety_message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SAFETY_MAX_LENGTH,
        help_text="What the coach says when a message shows a crisis, in every language; empty: the default.",
    )

    class Meta:
        model = Persona
        fields = [
            "coach_name", "greeting", "voice", "rules", "phrases", "safety_message", "updated_at", "updated_by_email",
        ]  # fmt: skip
        read_only_fields = ["updated_at", "updated_by_email"]

    def validate_phrases(self, value: Any) -> dict[str, dict[str, str]]:
        try:
            return phrases_clean(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class PersonaApi(ContentPermissions, APIView):
    """The coach's name, greeting, voice, rules, own phrases and safety message. Coaches and owners
    edit; analysts cannot see it."""

    @extend_schema(responses=PersonaSerializer)
    def get(self, request: Request) -> Response:
        return Response(PersonaSerializer(persona_get()).data)

    @extend_schema(request=PersonaSerializer, responses=PersonaSerializer)
    def patch(self, request: Request) -> Response:
        data = PersonaSerializer(persona_get(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        persona = persona_update(editor=request.user, **data.validated_data)
        return Response(PersonaSerializer(persona).data)


class CheckupQuestionIn(serializers.Serializer):
    question = serializers.CharField(max_length=500)
    required_facts = serializers.ListField(child=serializers.CharField(max_length=200), max_length=20)


class CheckupQuestionOut(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    required_facts = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = CheckupQuestion
        fields = ["id", "question", "required_facts", "created_at"]
        read_only_fields = fields


class CheckupQuestionsApi(ContentPermissions, generics.ListAPIView):
    serializer_class = CheckupQuestionOut
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def get_queryset(self) -> QuerySet:
        return checkup_questions_list()

    @extend_schema(request=CheckupQuestionIn, responses={201: CheckupQuestionOut})
    def post(self, request: Request) -> Response:
        data = CheckupQuestionIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CheckupQuestionOut(checkup_question_add(**data.validated_data)).data, status=201)


class CheckupQuestionApi(APIView):
    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, question_id: uuid.UUID) -> Response:
        question = checkup_question_get(question_id)
        if question is None:
            raise Http404("No such check-up question.")
        checkup_question_delete(question=question)
        return Response(status=204)


class CheckupResultOut(serializers.Serializer):
    id = serializers.UUIDField()
    question = serializers.CharField()
    passed = serializers.BooleanField()
    missing_facts = serializers.ListField(child=serializers.CharField())
    reply = serializers.CharField()


class CheckupOut(serializers.Serializer):
    passed = serializers.IntegerField()
    total = serializers.IntegerField()
    results = CheckupResultOut(many=True)


class CheckupApi(APIView):
    """Run every check-up question against the coach as it is now."""

    permission_classes = [requires(Capability.VIEW_CONTENT)]

    @extend_schema(request=None, responses=CheckupOut)
    def post(self, request: Request) -> Response:
        return Response(checkup_run())


# --- Programs, enrollments, measurements, reminders ------------------------------------------------


class AnalystsRead:
    """View mixin: analysts (and everyone who sees analytics) read; writing needs `write_capability`."""

    write_capability = Capability.EDIT_CONTENT

    def get_permissions(self) -> list:
        method = self.request.method  # type: ignore[attr-defined]
        return [requires(Capability.VIEW_ANALYTICS if method in SAFE_METHODS else self.write_capability)()]


class ClockTimeField(serializers.CharField):
    """A time of day as "HH:MM"."""

    def to_representation(self, value: Any) -> str:
        return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)


class StepAnswerIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=ProgramStep.AnswerType.choices)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text='For numbers, e.g. "h".')
    metric = serializers.SlugField(
        max_length=60, required=False, allow_blank=True, help_text="What the answer measures, e.g. sleep_hours."
    )


class StepIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProgramStep.Kind.choices, default=ProgramStep.Kind.MESSAGE)
    day = serializers.IntegerField(min_value=0, max_value=730, default=0, help_text="Days after joining; 0: that day.")
    at = serializers.CharField(
        max_length=5,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text='Local time of day in the person\'s timezone, "08:00"; null: right away on that day.',
    )
    text = serializers.CharField(max_length=2000)
    answer = StepAnswerIn(required=False, allow_null=True, help_text="What a check-in asks for; required for one.")


def step_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The API's nested `answer` as the step's own fields."""
    fields = dict(data)
    if "answer" in fields:
        answer = fields.pop("answer") or {}
        fields.update(answer_type=answer.get("type", ""), unit=answer.get("unit", ""), metric=answer.get("metric", ""))
    return fields


class StepAnswerOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=ProgramStep.AnswerType.choices, source="answer_type")
    unit = serializers.CharField()
    metric = serializers.CharField()


class StepOut(serializers.ModelSerializer):
    at = ClockTimeField(allow_null=True, help_text='"HH:MM" in the person\'s timezone; null: right away.')
    answer = serializers.SerializerMethodField()

    class Meta:
        model = ProgramStep
        fields = ["id", "kind", "day", "at", "text", "answer", "position"]
        read_only_fields = fields

    @extend_schema_field(StepAnswerOut(allow_null=True))
    def get_answer(self, step: ProgramStep) -> dict[str, Any] | None:
        return StepAnswerOut(step).data if step.answer_type else None


class GoalIn(serializers.Serializer):
    metric = serializers.SlugField(max_length=60)
    target = serializers.FloatField(min_value=-1e9, max_value=1e9)
    comparison = serializers.ChoiceField(choices=Goal.Comparison.choices, default=Goal.Comparison.AT_LEAST)
    window_days = serializers.IntegerField(min_value=1, max_value=730, default=7)
    times = serializers.IntegerField(
        min_value=1,
        max_value=730,
        required=False,
        allow_null=True,
        help_text="Days in the window that must meet the target; null: the latest measurement must.",
    )


class GoalOut(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "metric", "target", "comparison", "window_days", "times"]
        read_only_fields = fields


class ProgramIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=[Program.Status.DRAFT, Program.Status.ACTIVE],
        default=Program.Status.DRAFT,
        help_text="active publishes at once (it needs steps, so a new program is usually a draft).",
    )
    keyword = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="One word people send on WhatsApp to join."
    )
    web_enrollment = serializers.BooleanField(required=False, help_text="A join button in the widget and the app.")


class ProgramEditIn(ProgramIn):
    status = None


class ProgramOut(serializers.ModelSerializer):
    version = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    goals = serializers.SerializerMethodField()
    draft_changes = serializers.SerializerMethodField()

    class Meta:
        model = Program
        fields = [
            "id", "name", "description", "status", "code", "keyword", "web_enrollment", "version", "steps", "goals",
            "draft_changes", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="The live version; null until published."))
    def get_version(self, program: Program) -> int | None:
        return program.live_version.number if program.live_version_id else None

    @extend_schema_field(StepOut(many=True))
    def get_steps(self, program: Program) -> list[dict[str, Any]]:
        version = program_working_version(program)
        return StepOut(version.steps.all() if version else [], many=True).data

    @extend_schema_field(GoalOut(many=True))
    def get_goals(self, program: Program) -> list[dict[str, Any]]:
        version = program_working_version(program)
        return GoalOut(version.goals.all() if version else [], many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_draft_changes(self, program: Program) -> list[str]:
        return program_changes(program)


def program_or_404(program_id: Any) -> Program:
    program = program_get(program_id)
    if program is None:
        raise Http404("No such program.")
    return program


class ProgramsApi(AnalystsRead, generics.ListAPIView):
    """Programs: steps over days or weeks, with goals. Steps and goals shown are the draft being
    edited if there is one, else the live version."""

    serializer_class = ProgramOut
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet:
        return programs_list()

    @extend_schema(request=ProgramIn, responses={201: ProgramOut})
    def post(self, request: Request) -> Response:
        data = ProgramIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ProgramOut(program_create(**data.validated_data)).data, status=201)


class ProgramApi(AnalystsRead, APIView):
    @extend_schema(responses=ProgramOut)
    def get(self, request: Request, program_id: uuid.UUID) -> Response:
        return Response(ProgramOut(program_or_404(program_id)).data)

    @extend_schema(request=ProgramEditIn, responses=ProgramOut)
    def patch(self, request: Request, program_id: uuid.UUID) -> Response:
        program = program_or_404(program_id)
        data = ProgramEditIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(ProgramOut(program_update(program=program, **data.validated_data)).data)

    @extend_schema(responses={204: None}, description="Archive: no new enrollments; people already in finish it.")
    def delete(self, request: Request, program_id: uuid.UUID) -> Response:
        program_archive(program=program_or_404(program_id))
        return Response(status=204)


class ProgramStepsApi(APIView):
    """Add a step to the program's draft (made from the live version on the first edit)."""

    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(request=StepIn, responses={201: StepOut})
    def post(self, request: Request, program_id: uuid.UUID) -> Response:
        program = program_or_404(program_id)
        data = StepIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(StepOut(step_add(program=program, **step_fields(data.validated_data))).data, status=201)


def step_or_404(program: Program, step_id: Any) -> ProgramStep:
    step = program_step_get(program, step_id)
    if step is None:
        raise Http404("No such step in this program.")
    return step


class ProgramStepApi(APIView):
    """Edit or remove a step; a step of the live version is changed through its copy in the draft
    (the answer carries the draft step's id)."""

    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(request=StepIn, responses=StepOut)
    def patch(self, request: Request, program_id: uuid.UUID, step_id: uuid.UUID) -> Response:
        program = program_or_404(program_id)
        step = step_or_404(program, step_id)
        data = StepIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(StepOut(step_update(program=program, step=step, **step_fields(data.validated_data))).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, program_id: uuid.UUID, step_id: uuid.UUID) -> Response:
        program = program_or_404(program_id)
        step_delete(program=program, step=step_or_404(program, step_id))
        return Response(status=204)


class StepsOrderIn(serializers.Serializer):
    steps = serializers.ListField(
        child=serializers.UUIDField(), max_length=2000, help_text="Every step of the draft once, in the new order."
    )


class ProgramStepsOrderApi(APIView):
    """Steps keep their day; their order within a day follows the list."""

    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(request=StepsOrderIn, responses=ProgramOut)
    def post(self, request: Request, program_id: uuid.UUID) -> Response:
        program = program_or_404(program_id)
        data = StepsOrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        steps_reorder(program=program, step_ids=[str(step) for step in data.validated_data["steps"]])
        return Response(ProgramOut(program_or_404(program_id)).data)


class ProgramGoalsApi(APIView):
    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(request=GoalIn, responses={201: GoalOut})
    def post(self, request: Request, program_id: uuid.UUID) -> Response:
        program = program_or_404(program_id)
        data = GoalIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(GoalOut(goal_add(program=program, **data.validated_data)).data, status=201)


class ProgramGoalApi(APIView):
    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, program_id: uuid.UUID, goal_id: uuid.UUID) -> Response:
        program = program_or_404(program_id)
        goal = program_goal_get(program, goal_id)
        if goal is None:
            raise Http404("No such goal in this program.")
        goal_delete(program=program, goal=goal)
        return Response(status=204)


class PublishOut(serializers.Serializer):
    version = serializers.IntegerField(help_text="The number of the version now live.")
    changes = serializers.ListField(child=serializers.CharField(), help_text="What changed from the previous one.")


class ProgramPublishApi(APIView):
    """The draft goes live: new enrollments join it; people already in stay on their version."""

    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(request=None, responses=PublishOut)
    def post(self, request: Request, program_id: uuid.UUID) -> Response:
        program = program_or_404(program_id)
        changes = program_changes(program)
        version = program_publish(program=program)
        return Response(PublishOut({"version": version.number, "changes": changes}).data)


class EnrollmentIn(serializers.Serializer):
    program = serializers.UUIDField()
    contact = serializers.UUIDField()
    timezone = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="e.g. Europe/Madrid; empty: a guess."
    )
    quiet_hours = serializers.ListField(
        child=serializers.CharField(max_length=5),
        max_length=2,
        required=False,
        allow_null=True,
        help_text='Start and end, e.g. ["22:00", "08:00"]; nothing scheduled goes out between them.',
    )
    outlet = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Preferred outlet; empty: the router decides."
    )


class EnrollmentEditIn(serializers.Serializer):
    timezone = serializers.CharField(max_length=64, required=False)
    quiet_hours = serializers.ListField(
        child=serializers.CharField(max_length=5), max_length=2, required=False, allow_null=True,
        help_text="Start and end; [] or null: none.",
    )  # fmt: skip
    outlet = serializers.CharField(max_length=20, required=False, allow_blank=True)


class GoalProgressOut(serializers.Serializer):
    metric = serializers.CharField(source="goal.metric")
    target = serializers.FloatField(source="goal.target")
    comparison = serializers.ChoiceField(choices=Goal.Comparison.choices, source="goal.comparison")
    met = serializers.IntegerField(help_text="Measurements in the window that meet the target.")
    needed = serializers.IntegerField()
    latest = serializers.FloatField(allow_null=True)
    reached = serializers.BooleanField()


class ProgressOut(serializers.Serializer):
    steps_sent = serializers.IntegerField()
    steps_total = serializers.IntegerField()
    goals = GoalProgressOut(many=True)
    streaks = serializers.DictField(child=serializers.IntegerField(), help_text="Days in a row answered, by metric.")


class EnrollmentOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", help_text="The program version they follow.")
    quiet_hours = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = [
            "id", "program", "contact", "version", "status", "timezone", "quiet_hours", "outlet", "current_step",
            "enrolled_at", "paused_at", "ended_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_quiet_hours(self, enrollment: Enrollment) -> list[str] | None:
        if enrollment.quiet_start is None or enrollment.quiet_end is None:
            return None
        return [enrollment.quiet_start.strftime("%H:%M"), enrollment.quiet_end.strftime("%H:%M")]


class EnrollmentDetailOut(EnrollmentOut):
    progress = serializers.SerializerMethodField()

    class Meta(EnrollmentOut.Meta):
        fields = [*EnrollmentOut.Meta.fields, "progress"]
        read_only_fields = fields

    @extend_schema_field(ProgressOut)
    def get_progress(self, enrollment: Enrollment) -> dict[str, Any]:
        return ProgressOut(enrollment_progress(enrollment, now=clock.now())).data


class EnrollmentFilter(django_filters.FilterSet):
    program = django_filters.UUIDFilter(field_name="program_id")
    contact = django_filters.UUIDFilter(field_name="contact_id")

    class Meta:
        model = Enrollment
        fields = ["status"]


def enrollment_or_404(enrollment_id: Any) -> Enrollment:
    enrollment = enrollment_get(enrollment_id)
    if enrollment is None:
        raise Http404("No such enrollment.")
    return enrollment


class EnrollmentsApi(AnalystsRead, generics.ListAPIView):
    """People in programs. Enrolling schedules every step in the person's own time."""

    write_capability = Capability.ANSWER_CONVERSATIONS
    serializer_class = EnrollmentOut
    filterset_class = EnrollmentFilter
    ordering_fields = ["enrolled_at"]
    ordering = ["-enrolled_at"]

    def get_queryset(self) -> QuerySet:
        return enrollments_list()

    @extend_schema(
        request=EnrollmentIn,
        responses={
            201: EnrollmentDetailOut,
            409: OpenApiResponse(description='Already in it: {"error": {"code": "already_enrolled", "enrollment"}}.'),
        },
    )
    def post(self, request: Request) -> Response:
        data = EnrollmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        program, contact = program_get(fields.pop("program")), contact_by_id(fields.pop("contact"))
        if program is None:
            raise ValidationError({"program": "No such program."})
        if contact is None:
            raise ValidationError({"contact": "No such contact."})
        try:
            enrollment = enrollment_create(program=program, contact=contact, source="api", **fields)
        except EnrollmentExists as exc:
            refusal = api_error("already_enrolled", "This person is already in this program.", 409)
            refusal.data["error"]["enrollment"] = str(exc.enrollment.pk)
            return refusal
        return Response(EnrollmentDetailOut(enrollment_or_404(enrollment.pk)).data, status=201)


class EnrollmentApi(AnalystsRead, APIView):
    write_capability = Capability.ANSWER_CONVERSATIONS

    @extend_schema(responses=EnrollmentDetailOut)
    def get(self, request: Request, enrollment_id: uuid.UUID) -> Response:
        return Response(EnrollmentDetailOut(enrollment_or_404(enrollment_id)).data)

    @extend_schema(request=EnrollmentEditIn, responses=EnrollmentDetailOut)
    def patch(self, request: Request, enrollment_id: uuid.UUID) -> Response:
        enrollment = enrollment_or_404(enrollment_id)
        data = EnrollmentEditIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "quiet_hours" in fields:
            fields["quiet_hours"] = fields["quiet_hours"] or []
        enrollment_update(enrollment=enrollment, **fields)
        return Response(EnrollmentDetailOut(enrollment_or_404(enrollment_id)).data)


class EnrollmentActionApi(APIView):
    """Pause (nothing goes out; what is left moves by the time paused), resume, or leave."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    changes = {"pause": enrollment_pause, "resume": enrollment_resume, "leave": enrollment_leave}
    change = "pause"

    @extend_schema(request=None, responses=EnrollmentDetailOut)
    def post(self, request: Request, enrollment_id: uuid.UUID) -> Response:
        self.changes[self.change](enrollment=enrollment_or_404(enrollment_id), by="team")
        return Response(EnrollmentDetailOut(enrollment_or_404(enrollment_id)).data)


class MeasurementOut(serializers.ModelSerializer):
    message = serializers.UUIDField(source="message_id", allow_null=True, help_text="The message it was read from.")

    class Meta:
        model = Measurement
        fields = ["id", "metric", "value", "unit", "text", "recorded_at", "message"]
        read_only_fields = fields


class ReminderOut(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "text", "due_at", "timezone", "status"]
        read_only_fields = fields


def person_or_404(contact_id: Any) -> Contact:
    contact = contact_by_id(contact_id)
    if contact is None:
        raise Http404("No such contact.")
    return contact


class ContactMeasurementsApi(generics.ListAPIView):
    """What the person reported (check-in answers), newest first. Personal data: those who answer
    conversations read it."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    serializer_class = MeasurementOut
    filterset_fields = ["metric"]
    ordering_fields = ["recorded_at"]
    ordering = ["-recorded_at"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Measurement.objects.none()
        return measurements_for(person_or_404(self.kwargs["contact_id"]))


class ContactRemindersApi(generics.ListAPIView):
    """What the person asked to be reminded of, soonest first."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    serializer_class = ReminderOut
    filterset_fields = ["status"]
    ordering_fields = ["due_at", "created_at"]
    ordering = ["due_at"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Reminder.objects.none()
        return reminders_for(person_or_404(self.kwargs["contact_id"]))


class ContactReminderCancelApi(APIView):
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=None, responses=ReminderOut)
    def post(self, request: Request, contact_id: uuid.UUID, reminder_id: uuid.UUID) -> Response:
        reminder = reminder_get(person_or_404(contact_id), reminder_id)
        if reminder is None:
            raise Http404("No such reminder.")
        if not reminder_cancel(reminder=reminder):
            raise ValidationError("Only a pending reminder can be cancelled.")
        reminder.refresh_from_db()
        return Response(ReminderOut(reminder).data)


class SendingWindowSerializer(serializers.Serializer):
    start = serializers.CharField(help_text='"HH:MM", in each person\'s own time. Default 08:00.')
    end = serializers.CharField(help_text='"HH:MM", after the start. Default 21:00.')


class SendingWindowApi(AnalystsRead, APIView):
    """When the coach may write first (program steps, nudges), in each person's own time; reminders
    a person asked for go at their time regardless."""

    @extend_schema(responses=SendingWindowSerializer)
    def get(self, request: Request) -> Response:
        row = proactive_settings()
        return Response({"start": f"{row.window_start:%H:%M}", "end": f"{row.window_end:%H:%M}"})

    @extend_schema(request=SendingWindowSerializer, responses=SendingWindowSerializer)
    def patch(self, request: Request) -> Response:
        data = SendingWindowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            row = sending_window_update(**data.validated_data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response({"start": f"{row.window_start:%H:%M}", "end": f"{row.window_end:%H:%M}"})


# --- Draft with AI ------------------------------------------------------------------------------


class ProgramDraftIn(serializers.Serializer):
    goal = serializers.CharField(
        max_length=500, help_text='What people reach by the end, e.g. "Sleep better in two weeks".'
    )
    days = serializers.IntegerField(min_value=1, max_value=365, default=14, help_text="How long the program runs.")
    language = serializers.ChoiceField(
        choices=["en", "es"], required=False, allow_null=True, help_text="The lessons' language; default: the goal's."
    )


class ProgramDraftApi(APIView):
    """A draft program from a goal and the creator's material: a welcome, lessons (quoted from the
    material, or written from it when Ollama is configured), each citing its source, and check-ins.
    It is not published: edit it, then publish. 400 when the material has nothing about the goal."""

    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(
        request=ProgramDraftIn,
        responses={201: ProgramOut, 503: OpenApiResponse(description="The knowledge store is unreachable.")},
    )
    def post(self, request: Request) -> Response:
        from coaching.services.drafting import program_draft_from_goal
        from knowledge.vectors import VectorStoreUnavailable

        data = ProgramDraftIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            program = program_draft_from_goal(**data.validated_data)
        except VectorStoreUnavailable:
            return api_error("vector_store_unavailable", "The knowledge store is unreachable right now.", 503)
        return Response(ProgramOut(program).data, status=201)
