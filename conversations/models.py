from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Contact(models.Model):
    """An end user of the creator's coach, known by any of their identifiers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    email = models.EmailField(null=True, blank=True, unique=True)
    phone = models.CharField(max_length=20, null=True, blank=True, unique=True)
    display_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(external_id__isnull=False) | Q(email__isnull=False) | Q(phone__isnull=False),
                name="contact_has_an_identifier",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or self.phone or self.external_id or str(self.id)


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    outlet = models.CharField(max_length=20, default="api")
    summary = models.TextField(blank=True, default="")
    language = models.CharField(max_length=5, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.contact} · {self.outlet}"


class Message(models.Model):
    """Every message records who wrote it."""

    class Author(models.TextChoices):
        USER = "user", "End user"
        AI = "ai", "AI coach"
        HUMAN = "human", "Team member"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=10, choices=Author.choices)
    text = models.TextField()
    citations = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=5, blank=True)
    grounded = models.BooleanField(default=False)
    backend = models.CharField(max_length=20, blank=True)
    incomplete = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"
