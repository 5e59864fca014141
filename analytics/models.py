from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One thing that happened in a creator's schema, appended and never edited.

    Every app records into this stream and reports read from it, so it sits at the bottom of the
    layers: the ids below are plain UUIDs, not foreign keys, because analytics may not import
    conversations or knowledge. Events carry ids, kinds and numbers, never what a person wrote;
    `analytics.services.event_record` enforces that on `data`.
    """

    class Kind(models.TextChoices):
        # The one list of kinds: add a member here (and a migration for the choices) to record more.
        MESSAGE_IN = "message_in", _("Message received")
        MESSAGE_OUT = "message_out", _("Message sent")
        ANSWER_GROUNDED = "answer_grounded", _("Answer grounded in the knowledge base")
        ANSWER_PINNED = "answer_pinned", _("Curated answer given")
        ANSWER_UNKNOWN = "answer_unknown", _("Question the coach could not answer")
        TAKEOVER = "takeover", _("Team member took over")
        HAND_BACK = "hand_back", _("Handed back to the coach")
        MEMORY_KEPT = "memory_kept", _("Memory kept")
        MEMORY_FORGOTTEN = "memory_forgotten", _("Memory forgotten")
        WIDGET_OPENED = "widget_opened", _("Widget opened")
        CONTACT_CREATED = "contact_created", _("Contact created")
        DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
        OPTED_OUT = "opted_out", _("Asked for no messages the coach starts")
        OPTED_IN = "opted_in", _("Asked for the coach's messages again")
        MESSAGE_DELIVERED = "message_delivered", _("Message delivered")
        MESSAGE_READ = "message_read", _("Message read")
        DELIVERY_REROUTED = "delivery_rerouted", _("Message sent another way")
        OUTLET_CONNECTED = "outlet_connected", _("Outlet connected")
        OUTLET_REMOVED = "outlet_removed", _("Outlet removed")
        ANSWER_SMALL_TALK = "answer_small_talk", _("Small talk answered")
        HUMAN_REQUESTED = "human_requested", _("Asked to talk to a person")
        CONVERSATION_FLAGGED = "conversation_flagged", _("Conversation flagged: possible crisis")
        CONVERSATION_FLAG_CLEARED = "conversation_flag_cleared", _("Crisis flag cleared")
        PROGRAM_PUBLISHED = "program_published", _("Program published")
        ENROLLED = "enrolled", _("Joined a program")
        ENROLLMENT_PAUSED = "enrollment_paused", _("Paused a program")
        ENROLLMENT_RESUMED = "enrollment_resumed", _("Resumed a program")
        ENROLLMENT_LEFT = "enrollment_left", _("Left a program")
        ENROLLMENT_FINISHED = "enrollment_finished", _("Finished a program")
        STEP_SENT = "step_sent", _("Program step sent")
        STEP_SKIPPED = "step_skipped", _("Program step skipped")
        CHECK_IN_ANSWERED = "check_in_answered", _("Check-in answered")
        CHECK_IN_UNCLEAR = "check_in_unclear", _("Check-in answer unclear")
        REMINDER_SET = "reminder_set", _("Reminder set")
        REMINDER_SENT = "reminder_sent", _("Reminder sent")
        REMINDER_CANCELLED = "reminder_cancelled", _("Reminder cancelled")
        RULE_FIRED = "rule_fired", _("Rule fired")
        RULE_ACTED = "rule_acted", _("Rule acted (team told or person moved)")
        NUDGE_SENT = "nudge_sent", _("Nudge sent")
        NUDGE_HELD_BACK = "nudge_held_back", _("Nudge held back (comparison group)")
        NUDGE_SKIPPED = "nudge_skipped", _("Nudge skipped")
        NUDGE_CANCELLED = "nudge_cancelled", _("Nudge cancelled: the person wrote first")
        NUDGE_APPROVED = "nudge_approved", _("Nudge approved")
        NUDGE_REJECTED = "nudge_rejected", _("Nudge rejected")
        NUDGE_EXPIRED = "nudge_expired", _("Nudge expired without approval")

    class Author(models.TextChoices):
        # Mirrors conversations' Message.Author without importing it (analytics sits below it).
        USER = "user", _("End user")
        AI = "ai", _("AI coach")
        HUMAN = "human", _("Team member")
        SYSTEM = "system", _("System")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    # Indexed so erasing a contact finds their events without scanning the stream.
    contact_id = models.UUIDField(null=True, blank=True, db_index=True)
    conversation_id = models.UUIDField(null=True, blank=True)
    # The row the event is about: a message, a widget or a memory, depending on the kind.
    subject_id = models.UUIDField(null=True, blank=True)
    outlet = models.CharField(max_length=20, blank=True)
    author = models.CharField(max_length=10, choices=Author.choices, blank=True)
    # One number per event (a latency in ms, a score), so reports can average without parsing data.
    value = models.FloatField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        # Kind first: reports ask "how many X between these dates", one kind over a period.
        indexes = [models.Index(fields=["kind", "occurred_at"], name="event_kind_occurred")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class DayCount(models.Model):
    """How many events of a kind happened on one of the creator's days (in their timezone), by outlet,
    author and a detail (a step's kind, a reply-time bucket): what the dashboard reads instead of
    the event stream. Kept up to date from the stream by analytics.reports.services."""

    day = models.DateField()
    kind = models.CharField(max_length=30)
    outlet = models.CharField(max_length=20, blank=True)
    author = models.CharField(max_length=10, blank=True)
    detail = models.CharField(max_length=30, blank=True)
    count = models.BigIntegerField(default=0)
    value_sum = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "outlet", "author", "detail"], name="day_count_unique")
        ]
        indexes = [models.Index(fields=["kind", "day"], name="day_count_kind_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.count}"


class DayPerson(models.Model):
    """A person who wrote to the coach on one of the creator's days: active people per day and week
    are counts of these rows. Erasure detaches them like events (contact_events_anonymise)."""

    day = models.DateField()
    contact_id = models.UUIDField(db_index=True)
    outlet = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "contact_id", "outlet"], name="day_person_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.contact_id}"


class RollupState(models.Model):
    """Where the rollups stand: the last event counted, and the timezone its days were cut in (a
    change of timezone rebuilds them)."""

    last_event_id = models.BigIntegerField(default=0)
    timezone = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rollups up to event {self.last_event_id}"
