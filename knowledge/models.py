from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from tenants.scope import creator_schema, creator_schema_checked


def creator_media_dir(schema_name: str) -> str:
    """Where one creator's files live under MEDIA_ROOT (checked: never `creators/public`)."""
    return f"creators/{creator_schema_checked(schema_name)}"


def document_upload_path(document: Document, filename: str) -> str:
    """Files live under the current creator's schema and a UUID: the client's filename is never a path."""
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"{creator_media_dir(creator_schema())}/documents/{document.id}{suffix}"


class Document(models.Model):
    """One piece of the creator's material and where its ingestion stands."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        TEXT = "txt", "Plain text"
        MARKDOWN = "md", "Markdown"
        HTML = "html", "Web page"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    tags = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    original_filename = models.CharField(max_length=255, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    file = models.FileField(upload_to=document_upload_path, max_length=300)
    size_bytes = models.PositiveBigIntegerField(default=0)
    content_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    chunk_count = models.PositiveIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    embedding_model = models.CharField(max_length=100, blank=True)
    uploaded_by_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    indexed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return self.title

    def as_status(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "progress": self.progress,
            "chunk_count": self.chunk_count,
            "page_count": self.page_count,
            "error": self.error,
        }


class CuratedAnswer(models.Model):
    """An answer the creator approved for a question; used whenever a user asks something close enough."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    question = models.CharField(max_length=500)
    answer = models.TextField(max_length=4000)
    question_vector = models.JSONField(default=list, editable=False)
    embedding_model = models.CharField(max_length=100, blank=True, editable=False)
    hits = models.PositiveIntegerField(default=0)
    created_by_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question


class AnswerPolicy(models.Model):
    """Per-creator thresholds (one row per schema): how sure retrieval must be before answering."""

    min_source_score = models.FloatField(
        default=0.82,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Below this similarity the coach says it does not know (0 to 1; higher is stricter).",
    )
    curated_match_score = models.FloatField(
        default=0.92,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="A question at least this close to a pinned one gets the pinned answer (0 to 1).",
    )
    ollama_model = models.CharField(
        max_length=100,
        blank=True,
        help_text="Ollama model for this creator (e.g. mistral, llama2); blank: the default.",
    )

    def __str__(self) -> str:
        return f"sources ≥ {self.min_source_score}, pinned ≥ {self.curated_match_score}"
