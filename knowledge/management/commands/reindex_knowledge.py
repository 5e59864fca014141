"""Re-embed every document, e.g. after changing EMBEDDING_BACKEND (vectors of two models never mix)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import tenant_context

from knowledge import vectors
from knowledge.models import Document
from knowledge.services import document_reindex
from tenants.models import Creator


class Command(BaseCommand):
    help = "Queue every document of one creator (--creator SLUG) or of all creators for re-indexing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--creator", help="Slug of one creator; all creators when omitted.")

    def handle(self, *args: Any, creator: str | None = None, **options: Any) -> None:
        creators = Creator.objects.filter(kind=Creator.Kind.CREATOR)
        if creator:
            creators = creators.filter(slug=creator)
            if not creators.exists():
                raise CommandError(f"No creator with slug {creator!r}.")
        for each in creators:
            with tenant_context(each):
                # A new model means a new vector space: start the collection from scratch.
                vectors.drop_collection_if_exists(each.schema_name)
                documents = list(Document.objects.all())
                for document in documents:
                    document_reindex(document=document)
            self.stdout.write(f"{each.slug}: {len(documents)} document(s) queued for re-indexing")
