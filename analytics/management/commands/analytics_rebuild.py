"""Count every creator's rollups again from their event streams (after a fix to how they are
counted, or to check the increments): `manage.py analytics_rebuild [--creator SLUG]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from analytics.reports.services import rollups_rebuild
from tenants.models import Creator


class Command(BaseCommand):
    help = "Rebuild the analytics rollups from the event stream."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--creator", help="Only this creator (its slug).")

    def handle(self, *args: Any, creator: str | None = None, **options: Any) -> None:
        creators = Creator.objects.filter(kind=Creator.Kind.CREATOR).order_by("slug")
        if creator:
            creators = creators.filter(slug=creator)
            if not creators.exists():
                raise CommandError(f"No creator with the slug {creator!r}.")
        total = creators.count()
        for number, item in enumerate(creators, start=1):
            with tenant_context(item):
                counted = rollups_rebuild()
            self.stdout.write(f"[{number}/{total}] {item.slug}: {counted} events counted")
