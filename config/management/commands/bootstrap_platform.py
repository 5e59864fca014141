"""Bring a database to a servable state: migrate every schema, ensure the public and template
schemas and the web push (VAPID) keys, and optionally seed the demo creator and a staff account.
Safe to run on every start."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from config.demo import demo_seed
from conversations.push import vapid_keys_ensure
from tenants.services import platform_schemas_ensure


class Command(BaseCommand):
    help = "Migrate all schemas, ensure platform schemas, optionally seed the demo creator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="Seed demo.<domain> and a staff account.")
        parser.add_argument("--skip-migrate", action="store_true")

    def handle(self, *args: Any, demo: bool = False, skip_migrate: bool = False, **options: Any) -> None:
        if not skip_migrate:
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        platform_schemas_ensure()
        if not skip_migrate:
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        self.stdout.write("platform schemas ready")
        self.stdout.write(f"web push keys: {vapid_keys_ensure()}")
        if demo:
            for line in demo_seed():
                self.stdout.write(line)
