from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


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
