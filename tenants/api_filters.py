"""Filter fields every API list shares."""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant, compared in UTC: any offset Python accepts is fine, even ones Postgres is not."""

    def filter(self, qs: QuerySet, value: datetime | None) -> QuerySet:
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError as exc:
                raise ValidationError({self.field_name: ["That date is out of range."]}) from exc
        return super().filter(qs, value)
