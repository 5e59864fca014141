"""Re-encrypt every stored secret under the newest FIELD_ENCRYPTION_KEYS entry, in every creator schema."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tenants.encryption import encrypted_columns, encrypted_columns_rotate


class Command(BaseCommand):
    help = "After putting a new key first in FIELD_ENCRYPTION_KEYS: rewrite every encrypted column with it."

    def handle(self, *args: Any, **options: Any) -> None:
        columns = encrypted_columns()
        if not columns:
            self.stdout.write("no encrypted fields: nothing to rotate")
            return
        rewritten = encrypted_columns_rotate(columns)
        named = ", ".join(f"{model._meta.label}.{name}" for model, names in columns.items() for name in names)
        self.stdout.write(f"re-encrypted {rewritten} values under the newest key ({named}); older keys can go now")
