"""What the coach could not answer: the questions that got "I don't know" in a range of the creator's
days, grouped by meaning (their embeddings, so "¿tienes recetas veganas?" and "vegan recipes?"
are one group), largest first, so the creator sees what material to add.

The groups are made greedily: each question, newest first, joins the first group whose first
question it is close enough to (cosine SAME_MEANING), else starts one. At most MAX_QUESTIONS of
the newest questions are grouped; their embeddings are cached, so a view embeds only new ones."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics.models import Event

# multilingual e5 puts paraphrases and translations of one question at 0.92-0.97 ("vegan
# recipes?", "¿tienes recetas veganas?") and different questions on one topic at 0.86-0.91
# ("vegetarian protein?", "is keto good?"); unrelated ones at about 0.81 (tests/analytics/test_unanswered.py).
SAME_MEANING = 0.915
MAX_QUESTIONS = 500
EXAMPLES = 5


@dataclass
class Cluster:
    example: str
    vector: list[float]
    examples: list[str] = field(default_factory=list)
    count: int = 0
    last_asked: datetime | None = None

    def as_dict(self) -> dict:
        return {"example": self.example, "count": self.count, "examples": self.examples,
                "last_asked": self.last_asked}  # fmt: skip


def _bounds(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    return dot / ((math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))) or 1.0)


def _vectors(texts: list[str]) -> dict[str, list[float]]:
    """Each question's embedding, kept a day in the creator's cache (keys carry the schema), so a
    dashboard view embeds only the questions asked since the last one."""
    from django.core.cache import cache

    from knowledge.embeddings import embedding_model_name, get_embeddings

    model = embedding_model_name()
    keys = {text: f"unanswered:{model}:{hashlib.sha256(text.encode()).hexdigest()}" for text in texts}
    known = cache.get_many(list(keys.values()))
    vectors = {text: known[key] for text, key in keys.items() if key in known}
    missing = [text for text in texts if text not in vectors]
    if missing:
        fresh = dict(zip(missing, get_embeddings().embed_documents(missing), strict=True))
        cache.set_many({keys[text]: vector for text, vector in fresh.items()}, timeout=86_400)
        vectors |= fresh
    return vectors


def unanswered_clusters(*, start: date, end: date, zone: str) -> list[Cluster]:
    from conversations.models import Message

    since, until = _bounds(start, end, zone)
    asked = (
        Event.objects.filter(kind=Event.Kind.ANSWER_UNKNOWN, occurred_at__gte=since, occurred_at__lt=until)
        .exclude(subject_id=None)
        .order_by("-occurred_at")
        .values_list("subject_id", flat=True)[:MAX_QUESTIONS]
    )
    questions = list(
        Message.objects.filter(pk__in=list(asked), author=Message.Author.USER)
        .order_by("-created_at")
        .values_list("text", "created_at")
    )
    if not questions:
        return []
    texts = [" ".join(text.split())[:500] for text, _at in questions]
    vectors = _vectors(list(dict.fromkeys(texts)))
    clusters: list[Cluster] = []
    for text, (_raw, asked_at) in zip(texts, questions, strict=True):
        vector = vectors[text]
        home = next((c for c in clusters if _cosine(c.vector, vector) >= SAME_MEANING), None)
        if home is None:
            home = Cluster(example=text, vector=vector, last_asked=asked_at)
            clusters.append(home)
        home.count += 1
        if text not in home.examples and len(home.examples) < EXAMPLES:
            home.examples.append(text)
    return sorted(clusters, key=lambda c: (-c.count, -(c.last_asked.timestamp() if c.last_asked else 0)))
