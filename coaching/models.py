from __future__ import annotations

import uuid
from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants import clock


class CheckupQuestion(models.Model):
    """A question the creator expects the coach to answer, with the facts the answer must contain."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    question = models.CharField(max_length=500)
    required_facts = models.JSONField(default=list, help_text="Each fact must appear in the answer.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.question


# --- Programs: what the coach says first, and when ------------------------------------------------


def program_code() -> str:
    """Short and unguessable enough for a Telegram deep link (/start <code>) or a typed keyword."""
    import secrets

    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


class Program(models.Model):
    """A sequence of steps over days or weeks. Its steps and goals live in versions: editing an
    active program edits a draft version that goes live when published; people stay on the
    version they joined until moved."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    description = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    code = models.CharField(max_length=32, unique=True, default=program_code)
    keyword = models.CharField(max_length=40, blank=True, help_text=_("A word people send on WhatsApp to join."))
    web_enrollment = models.BooleanField(default=False, help_text=_("A join button in the widget and the app."))
    live_version = models.ForeignKey(
        "ProgramVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("keyword"), condition=~models.Q(keyword=""), name="program_keyword_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ProgramVersion(models.Model):
    """One set of steps and goals; `published_at` empty while it is the draft being edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(default=1)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="program_version_number_unique"),
            models.UniqueConstraint(
                fields=["program"], condition=models.Q(published_at__isnull=True), name="program_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} v{self.number}"


class ProgramStep(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        LESSON = "lesson", _("Lesson")
        CHECK_IN = "check_in", _("Check-in")

    class AnswerType(models.TextChoices):
        NUMBER = "number", _("A number")
        SCALE = "scale", _("A scale from 1 to 10")
        YES_NO = "yes_no", _("Yes or no")
        TEXT = "text", _("Free text")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(ProgramVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MESSAGE)
    day = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(730)])
    # Local time of day in the person's timezone; empty: right away on that day.
    at = models.TimeField(null=True, blank=True)
    text = models.TextField(max_length=2000)
    answer_type = models.CharField(max_length=10, choices=AnswerType.choices, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    metric = models.SlugField(max_length=60, blank=True)
    document = models.ForeignKey("knowledge.Document", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["day", "at", "position"]

    def __str__(self) -> str:
        return f"day {self.day}: {self.text[:40]}"


class Goal(models.Model):
    """A metric with a target over a window: "sleep_hours at least 7 on 5 of 7 days" (times=5,
    window_days=7), or, without `times`, the latest measurement in the window meets the target."""

    class Comparison(models.TextChoices):
        AT_LEAST = "at_least", _("at least")
        AT_MOST = "at_most", _("at most")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(ProgramVersion, on_delete=models.CASCADE, related_name="goals")
    metric = models.SlugField(max_length=60)
    target = models.FloatField()
    comparison = models.CharField(max_length=10, choices=Comparison.choices, default=Comparison.AT_LEAST)
    window_days = models.PositiveIntegerField(default=7, validators=[MinValueValidator(1), MaxValueValidator(730)])
    times = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["metric"]

    def __str__(self) -> str:
        return f"{self.metric} {self.comparison} {self.target}"

    def met_by(self, value: float) -> bool:
        return value >= self.target if self.comparison == self.Comparison.AT_LEAST else value <= self.target


class Enrollment(models.Model):
    """One person in one program, on the version they joined, in their own timezone."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        FINISHED = "finished", _("Finished")
        LEFT = "left", _("Left")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrollments")
    version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=20, blank=True)  # api, hub, web, telegram, whatsapp, csv
    timezone = models.CharField(max_length=64)
    outlet = models.CharField(max_length=20, blank=True)  # preferred outlet; empty: the router decides
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    current_step = models.ForeignKey(ProgramStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    enrolled_at = models.DateTimeField(default=clock.now)
    paused_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "program"],
                condition=models.Q(status="active") | models.Q(status="paused"),
                name="enrollment_one_open_per_program",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.program_id}"


class StepSend(models.Model):
    """One step due for one enrolled person: made when they enroll, claimed by the scheduler when
    due, so a step is sent at most once (the unique pair and the send's idempotency key)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="sends")
    step = models.ForeignKey(ProgramStep, on_delete=models.CASCADE, related_name="sends")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Check-ins: when the answer came, whether a clarifying question or a second ask went out.
    answered_at = models.DateTimeField(null=True, blank=True)
    clarified_at = models.DateTimeField(null=True, blank=True)
    ask_again_at = models.DateTimeField(null=True, blank=True)
    asked_again_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "step"], name="step_send_once")]
        indexes = [
            # Claimed rows leave the due index (rows a crashed job left are found by the second).
            models.Index(fields=["due_at"], condition=models.Q(status="pending"), name="step_send_due"),
            models.Index(fields=["claimed_at"], condition=models.Q(status="sending"), name="step_send_stale"),
            models.Index(
                fields=["ask_again_at"],
                condition=models.Q(ask_again_at__isnull=False, asked_again_at__isnull=True),
                name="step_send_ask_again",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step_id} for {self.enrollment_id} at {self.due_at:%Y-%m-%d %H:%M}"


class Measurement(models.Model):
    """A number the person reported (a check-in answer, or one added by the team or the API)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="measurements")
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="measurements"
    )
    step_send = models.ForeignKey(
        StepSend, null=True, blank=True, on_delete=models.SET_NULL, related_name="measurements"
    )
    metric = models.SlugField(max_length=60)
    value = models.FloatField()
    unit = models.CharField(max_length=20, blank=True)
    text = models.TextField(max_length=2000, blank=True)  # free-text check-in answers
    recorded_at = models.DateTimeField(default=clock.now)
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["contact", "metric", "-recorded_at"], name="measurement_by_metric")]

    def __str__(self) -> str:
        return f"{self.metric}={self.value}{self.unit}"


class Reminder(models.Model):
    """Something a person asked to be reminded of, delivered at their time on the outlet they
    used, quiet hours or not (they chose the time)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")
        SKIPPED = "skipped", _("Skipped")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="reminders")
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    due_at = models.DateTimeField()
    timezone = models.CharField(max_length=64)
    language = models.CharField(max_length=5, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    source_message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending") | models.Q(status="sending"),
                name="reminder_due",
            ),
            models.Index(fields=["contact", "due_at"], name="reminder_by_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.text[:40]} at {self.due_at:%Y-%m-%d %H:%M}"


class ProactiveSettings(models.Model):
    """The creator's sending window (one row per schema): nothing scheduled goes out outside it,
    in each person's own time; reminders the person asked for are the exception."""

    window_start = models.TimeField(default=time(8, 0))
    window_end = models.TimeField(default=time(21, 0))
    # Messages the coach starts per person per day (program steps and nudges; reminders the person
    # asked for do not count). Rules stop at it; program steps are what the person joined for.
    daily_cap = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(20)])
    # How long a message waiting for the team's approval may wait before it expires.
    approval_hours = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(168)]
    )
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.window_start:%H:%M}–{self.window_end:%H:%M}"


class Rule(models.Model):
    """The coach reacting to what people do: a trigger (silence, a missed check-in, a metric, a goal
    at risk, a streak, a due step), whom it targets and what it does. A share of its firings is held
    back at random, so the creator can see whether the nudge changes anything."""

    class Trigger(models.TextChoices):
        NO_REPLY = "no_reply", _("No reply for some days")
        CHECK_IN_MISSED = "check_in_missed", _("A check-in was not answered")
        METRIC_BELOW = "metric_below", _("A measurement below a threshold")
        METRIC_ABOVE = "metric_above", _("A measurement above a threshold")
        METRIC_FALLING = "metric_falling", _("A measurement falling several times in a row")
        GOAL_AT_RISK = "goal_at_risk", _("A goal at risk")
        STREAK_REACHED = "streak_reached", _("A streak reached")
        STEP_DUE = "step_due", _("A program step due")

    class Action(models.TextChoices):
        AI_MESSAGE = "ai_message", _("A message the coach writes")
        FIXED_MESSAGE = "fixed_message", _("A fixed message")
        NOTIFY_TEAM = "notify_team", _("Tell the team")
        MOVE_TO_STEP = "move_to_step", _("Move the person to a step")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    enabled = models.BooleanField(default=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    # Days of silence, or how many measurements in a row, or the streak's length.
    days = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(365)])
    metric = models.SlugField(max_length=60, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.CASCADE, related_name="rules")
    tags = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices, default=Action.AI_MESSAGE)
    message = models.TextField(max_length=2000, blank=True)
    # A program day: the day whose steps fire the rule (step_due), or the day to move people to.
    step_day = models.PositiveIntegerField(null=True, blank=True)
    holdout_percent = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(90)])
    needs_approval = models.BooleanField(default=False)
    # The metric the effect page compares besides replies (optional).
    target_metric = models.SlugField(max_length=60, blank=True)
    # A WhatsApp template for people whose 24-hour window is closed ({{1}} receives the message).
    whatsapp_template = models.CharField(max_length=100, blank=True)
    whatsapp_template_language = models.CharField(max_length=10, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def writes_message(self) -> bool:
        return self.action in (self.Action.AI_MESSAGE, self.Action.FIXED_MESSAGE)


class RuleDecision(models.Model):
    """One firing of a rule for one person and what became of it. The trigger's key makes a firing
    unique, so a trigger fires once however often the engine looks; held-back firings keep the same
    context as sent ones, which is what makes the rule's effect measurable."""

    class Outcome(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        AWAITING_APPROVAL = "awaiting", _("Awaiting approval")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        HELD_BACK = "held_back", _("Held back (comparison group)")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled: the person wrote first")
        EXPIRED = "expired", _("Expired without approval")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="decisions")
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="rule_decisions")
    trigger_key = models.CharField(max_length=120)
    # Codes and numbers only (days silent, the value, the goal), never the person's words.
    context = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=40, blank=True)
    text = models.TextField(max_length=4000, blank=True)
    citations = models.JSONField(default=list, blank=True)
    fired_at = models.DateTimeField()
    # When it goes (or, held back, would have gone): the effect counts replies from here.
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=254, blank=True)
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-fired_at"]
        constraints = [models.UniqueConstraint(fields=["rule", "contact", "trigger_key"], name="rule_fires_once")]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(outcome="scheduled"), name="rule_decision_due"),
            models.Index(fields=["claimed_at"], condition=models.Q(outcome="sending"), name="rule_decision_stale"),
            models.Index(fields=["expires_at"], condition=models.Q(outcome="awaiting"), name="rule_decision_expiry"),
            models.Index(fields=["contact", "-fired_at"], name="rule_decision_by_contact"),
            models.Index(fields=["rule", "-fired_at"], name="rule_decision_by_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.outcome} for {self.contact_id}"
