"""Rules, approvals and decisions over API v1: the coach reacting to what people do, the team
approving what it wrote, and what each rule did and whether it helps.

Who may do what follows programs and enrollments: analysts read rules and their effect (numbers);
those who edit content write rules; what names or quotes a person (the dry run, decisions,
approvals) is personal data, for those who answer conversations."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.api import AnalystsRead, person_or_404
from coaching.models import Rule, RuleDecision
from coaching.rule_reports import (
    approvals_waiting,
    contact_decisions,
    reason_label,
    rule_decisions,
    rule_effect,
    rule_preview,
)
from coaching.selectors import program_get
from coaching.services.rules import approval_decide, approval_edit, rule_create, rule_delete, rule_update
from conversations.selectors import parsed_uuid
from tenants import clock
from tenants.permissions import requires
from tenants.roles import Capability

PREVIEW_DAYS = 7
# The dry run lists at most this many firings; `total` says how many there are.
PREVIEW_LIMIT = 1000


# --- Lookups --------------------------------------------------------------------------------------


def rule_or_404(rule_id: Any) -> Rule:
    """This creator's rule (the schema is the creator's, so another creator's id matches nothing)."""
    key = parsed_uuid(rule_id)
    rule = Rule.objects.select_related("program").filter(pk=key).first() if key else None
    if rule is None:
        raise Http404(_("No such rule."))
    return rule


def decision_or_404(decision_id: Any) -> RuleDecision:
    key = parsed_uuid(decision_id)
    decision = RuleDecision.objects.select_related("rule", "contact").filter(pk=key).first() if key else None
    if decision is None:
        raise Http404(_("No such decision."))
    return decision


class NotWaiting(exceptions.APIException):
    """The decision was approved, rejected, expired or cancelled before this request."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "not_waiting"
    default_detail = gettext_lazy("This message is no longer waiting for approval.")


def while_waiting(change: Callable[[], RuleDecision]) -> RuleDecision:
    """Run an approval change; the service's refusal for a decision no longer waiting (a message,
    not a field's error) becomes a 409 `not_waiting`, a bad text stays a 400 naming `text`."""
    try:
        return change()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise NotWaiting(exc.messages[0] if exc.messages else None, code="not_waiting") from exc


# --- Rules ----------------------------------------------------------------------------------------


class RuleIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    enabled = serializers.BooleanField(default=True)
    trigger = serializers.ChoiceField(
        choices=Rule.Trigger.choices,
        help_text=gettext_lazy(
            "no_reply (days), check_in_missed, metric_below / metric_above (metric, threshold), metric_falling "
            "(metric, days: how many in a row), goal_at_risk, streak_reached (metric, days), step_due (program)."
        ),
    )
    days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Days of silence, measurements in a row, or the streak's length."),
    )
    metric = serializers.SlugField(
        max_length=60, required=False, allow_blank=True, help_text=gettext_lazy("e.g. sleep_hours.")
    )
    threshold = serializers.FloatField(min_value=-1e9, max_value=1e9, required=False, allow_null=True)
    program = serializers.UUIDField(
        required=False, allow_null=True, help_text=gettext_lazy("Only people in this program; null: everyone.")
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Only people with one of these tags; []: everyone."),
    )
    action = serializers.ChoiceField(choices=Rule.Action.choices, default=Rule.Action.AI_MESSAGE)
    message = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("For fixed_message; {name} becomes the person's first name."),
    )
    step_day = serializers.IntegerField(
        min_value=0,
        max_value=730,
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "A program day: for move_to_step the day people move on to; for step_due the day whose steps fire "
            "the rule (null: any)."
        ),
    )
    holdout_percent = serializers.IntegerField(
        min_value=0,
        max_value=90,
        default=10,
        help_text=gettext_lazy("Share of firings held back at random to measure the effect."),
    )
    needs_approval = serializers.BooleanField(
        default=False, help_text=gettext_lazy("Messages wait for the team's approval before they go.")
    )
    target_metric = serializers.SlugField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("A measurement the effect compares besides replies."),
    )
    whatsapp_template = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("For people whose 24-hour WhatsApp window is closed ({{1}} receives the message)."),
    )
    whatsapp_template_language = serializers.CharField(max_length=10, required=False, allow_blank=True)

    def validate_program(self, value: uuid.UUID | None) -> Any:
        if value is None:
            return None
        program = program_get(value)
        if program is None:
            raise serializers.ValidationError(_("No such program."))
        return program


class RuleOut(serializers.ModelSerializer):
    program = serializers.UUIDField(source="program_id", allow_null=True, read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    metric = serializers.CharField(read_only=True)
    target_metric = serializers.CharField(read_only=True)

    class Meta:
        model = Rule
        fields = [
            "id", "name", "enabled", "trigger", "days", "metric", "threshold", "program", "tags", "action", "message",
            "step_day", "holdout_percent", "needs_approval", "target_metric", "whatsapp_template",
            "whatsapp_template_language", "evaluated_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class RulesApi(AnalystsRead, generics.ListAPIView):
    """Rules: a trigger, whom it targets and what it does. Analysts read them."""

    serializer_class = RuleOut
    filterset_fields = ["enabled", "trigger", "action"]
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet:
        return Rule.objects.select_related("program").all()

    @extend_schema(request=RuleIn, responses={201: RuleOut})
    def post(self, request: Request) -> Response:
        data = RuleIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(RuleOut(rule_create(**data.validated_data)).data, status=201)


class RuleApi(AnalystsRead, APIView):
    @extend_schema(responses=RuleOut)
    def get(self, request: Request, rule_id: uuid.UUID) -> Response:
        return Response(RuleOut(rule_or_404(rule_id)).data)

    @extend_schema(request=RuleIn, responses=RuleOut)
    def patch(self, request: Request, rule_id: uuid.UUID) -> Response:
        rule = rule_or_404(rule_id)
        data = RuleIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(RuleOut(rule_update(rule=rule, **data.validated_data)).data)

    @extend_schema(responses={204: None}, description=gettext_lazy("The rule and its decisions go."))
    def delete(self, request: Request, rule_id: uuid.UUID) -> Response:
        rule_delete(rule=rule_or_404(rule_id))
        return Response(status=204)


class RuleSwitchApi(APIView):
    """Turn a rule on or off; nudges already scheduled by a rule turned off do not go."""

    permission_classes = [requires(Capability.EDIT_CONTENT)]
    enabled = True

    @extend_schema(request=None, responses=RuleOut)
    def post(self, request: Request, rule_id: uuid.UUID) -> Response:
        return Response(RuleOut(rule_update(rule=rule_or_404(rule_id), enabled=self.enabled)).data)


# --- The dry run and the effect -------------------------------------------------------------------


class PersonOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()


class PreviewRowOut(serializers.Serializer):
    contact = PersonOut()
    trigger_key = serializers.CharField()
    fires_at = serializers.DateTimeField(help_text=gettext_lazy("When the trigger fires."))
    at = serializers.DateTimeField(help_text=gettext_lazy("When it would go, inside the person's sending time."))
    outcome = serializers.CharField(help_text=gettext_lazy("would_send or would_skip (reason says why)."))
    reason = serializers.CharField()
    reason_text = serializers.SerializerMethodField()
    context = serializers.DictField()
    needs_approval = serializers.BooleanField()

    @extend_schema_field(serializers.CharField())
    def get_reason_text(self, row: dict[str, Any]) -> str:
        return reason_label(row["reason"]) if row["reason"] else ""


class PreviewOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    total = serializers.IntegerField(help_text=gettext_lazy("Firings in the period; results lists the first 1,000."))
    results = PreviewRowOut(many=True)


class RulePreviewApi(APIView):
    """The dry run: whom the rule would reach over the next 7 days if nobody wrote, and when. The
    holdout is random, so a share of these (the rule's) would be held back."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(responses=PreviewOut)
    def get(self, request: Request, rule_id: uuid.UUID) -> Response:
        now = clock.now()
        rows = rule_preview(rule_or_404(rule_id), now=now, days=PREVIEW_DAYS)
        end = now + timedelta(days=PREVIEW_DAYS)
        return Response(
            PreviewOut({"start": now, "end": end, "total": len(rows), "results": rows[:PREVIEW_LIMIT]}).data
        )


class ArmOut(serializers.Serializer):
    firings = serializers.IntegerField()
    replied = serializers.IntegerField(help_text=gettext_lazy("Replied within 48 hours."))
    reply_rate = serializers.FloatField(allow_null=True)
    metric_mean = serializers.FloatField(allow_null=True)
    metric_count = serializers.IntegerField()


class DifferenceOut(serializers.Serializer):
    difference = serializers.FloatField(allow_null=True, help_text=gettext_lazy("Sent minus held back."))
    ci95 = serializers.ListField(child=serializers.FloatField(allow_null=True), min_length=2, max_length=2)


class EffectOut(serializers.Serializer):
    sent = ArmOut()
    held_back = ArmOut()
    waiting = serializers.IntegerField(help_text=gettext_lazy("Firings under 48 hours old without a reply yet."))
    enough_data = serializers.BooleanField()
    minimum_per_group = serializers.IntegerField()
    reply_within_48h = DifferenceOut()
    metric = serializers.CharField()
    metric_change = DifferenceOut()


class RuleEffectApi(APIView):
    """Reply within 48 hours, sent against held back, with the difference and its 95% interval;
    `enough_data` is false until each group has `minimum_per_group` firings."""

    permission_classes = [requires(Capability.VIEW_ANALYTICS)]

    @extend_schema(responses=EffectOut)
    def get(self, request: Request, rule_id: uuid.UUID) -> Response:
        return Response(rule_effect(rule_or_404(rule_id), now=clock.now()).as_dict())


# --- Decisions ------------------------------------------------------------------------------------


class DecisionOut(serializers.ModelSerializer):
    rule = serializers.UUIDField(source="rule_id", read_only=True)
    contact = serializers.UUIDField(source="contact_id", read_only=True)
    reason_text = serializers.SerializerMethodField()
    citations = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = RuleDecision
        fields = [
            "id", "rule", "contact", "outcome", "reason", "reason_text", "trigger_key", "context", "text", "citations",
            "fired_at", "due_at", "expires_at", "decided_at", "decided_by",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_reason_text(self, decision: RuleDecision) -> str:
        return reason_label(decision.reason) if decision.reason else ""


class ApprovalOut(DecisionOut):
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    contact_name = serializers.CharField(source="contact.display_name", read_only=True)

    class Meta(DecisionOut.Meta):
        fields = [*DecisionOut.Meta.fields, "rule_name", "contact_name"]
        read_only_fields = fields


class DecisionsList(generics.ListAPIView):
    """Decisions, newest first; `?outcome=` filters."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    serializer_class = DecisionOut
    filterset_fields = ["outcome"]
    ordering_fields = ["fired_at", "due_at"]
    ordering = ["-fired_at"]

    def decisions(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return RuleDecision.objects.none()
        return self.decisions()


class RuleDecisionsApi(DecisionsList):
    """What the rule did, to whom and why (sent, held back, skipped, cancelled, awaiting approval,
    expired, rejected)."""

    def decisions(self) -> QuerySet:
        return rule_decisions(rule_or_404(self.kwargs["rule_id"]))


class ContactDecisionsApi(DecisionsList):
    """Every rule's decisions about one person."""

    def decisions(self) -> QuerySet:
        return contact_decisions(person_or_404(self.kwargs["contact_id"]))


# --- Approvals ------------------------------------------------------------------------------------


class ApprovalTextIn(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class ApproveIn(serializers.Serializer):
    text = serializers.CharField(
        max_length=4000, required=False, help_text=gettext_lazy("The team's edit, sent instead of the coach's text.")
    )


NOT_WAITING = OpenApiResponse(
    description=gettext_lazy('No longer waiting (approved, rejected, expired or cancelled): {"error": {"code": '
    '"not_waiting"}}.')
)  # fmt: skip


class ApprovalsApi(generics.ListAPIView):
    """Messages the coach wrote that wait for the team's approval, the soonest to expire first."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    serializer_class = ApprovalOut
    ordering_fields = ["expires_at", "fired_at"]
    ordering = ["expires_at"]

    def get_queryset(self) -> QuerySet:
        return approvals_waiting()


class ApprovalApi(APIView):
    """One decision (in any state); `PATCH` rewrites a message still waiting, which keeps waiting."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(responses=ApprovalOut)
    def get(self, request: Request, decision_id: uuid.UUID) -> Response:
        return Response(ApprovalOut(decision_or_404(decision_id)).data)

    @extend_schema(request=ApprovalTextIn, responses={200: ApprovalOut, 409: NOT_WAITING})
    def patch(self, request: Request, decision_id: uuid.UUID) -> Response:
        decision = decision_or_404(decision_id)
        data = ApprovalTextIn(data=request.data)
        data.is_valid(raise_exception=True)
        while_waiting(lambda: approval_edit(decision=decision, text=data.validated_data["text"]))
        return Response(ApprovalOut(decision_or_404(decision_id)).data)


class ApprovalApproveApi(APIView):
    """Approve a waiting message; with `text`, the team's edit goes instead of the coach's. It goes
    at the person's next sending time."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=ApproveIn, responses={200: ApprovalOut, 409: NOT_WAITING})
    def post(self, request: Request, decision_id: uuid.UUID) -> Response:
        decision = decision_or_404(decision_id)
        data = ApproveIn(data=request.data)
        data.is_valid(raise_exception=True)
        text, by = data.validated_data.get("text"), getattr(request.user, "email", "")
        while_waiting(lambda: approval_decide(decision=decision, approve=True, text=text, by=by))
        return Response(ApprovalOut(decision_or_404(decision_id)).data)


class ApprovalRejectApi(APIView):
    """Reject a waiting message: it never goes (recorded as rejected)."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=None, responses={200: ApprovalOut, 409: NOT_WAITING})
    def post(self, request: Request, decision_id: uuid.UUID) -> Response:
        decision = decision_or_404(decision_id)
        by = getattr(request.user, "email", "")
        while_waiting(lambda: approval_decide(decision=decision, approve=False, by=by))
        return Response(ApprovalOut(decision_or_404(decision_id)).data)
