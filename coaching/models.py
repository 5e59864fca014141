from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class Persona(models.Model):
    """How the creator's AI coach speaks: one per creator schema (created by migration)."""

    coach_name = models.CharField(max_length=80, default="Coach")
    voice = models.TextField(
        max_length=2000,
        default="Warm, encouraging and concrete. Short sentences. Ask one question at a time.",
        help_text="Describe the tone and style your coach writes in.",
    )
    rules = models.TextField(
        max_length=4000,
        blank=True,
        default="",
        help_text="Things the coach must always or never do, one per line.",
    )
    greeting = models.CharField(max_length=300, default="Hi! I'm your coach. What would you like to work on today?")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_email = models.EmailField(blank=True, default="")

    def __str__(self) -> str:
        return self.coach_name


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
