"""Delete a creator and everything it left behind (right to erasure). Staff only, irreversible."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coaching.services import creator_purge
from tenants.selectors import creator_by_slug


class Command(BaseCommand):
    help = "Delete a creator: its vectors, uploaded files, schema, hosts, team and invitations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--yes", action="store_true", help="Confirm: this cannot be undone.")

    def handle(self, *args: Any, slug: str, yes: bool = False, **options: Any) -> None:
        creator = creator_by_slug(slug=slug)
        if creator is None:
            raise CommandError(f"No creator with slug {slug!r}.")
        if not yes:
            raise CommandError(f"This deletes {creator.name} and all its data for good. Add --yes to confirm.")
        purged = creator_purge(creator=creator)
        self.stdout.write(f"deleted {purged['slug']}: schema {purged['schema']}, vectors, files in {purged['media']}")
