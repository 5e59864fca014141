"""`migrate_schemas` migrates only the creator schemas that are behind (issue 19).

The personas' schemas (c_alpha, c_beta) and the template are migrated by the session's set-up,
so every test starts with all of them current. A schema is put one migration behind by
unapplying the latest migration of one tenant app there, the way `migrate app <previous>` would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django_tenants.signals import schema_pre_migration

from tenants import migration_executors
from tenants.migration_executors import MigrationPlan, schemas_behind
from tenants.models import Creator
from tenants.provisioning import clone_template_schema

APP = "analytics"


def latest(app: str) -> tuple[str, str]:
    (leaf,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app)
    return leaf


def unapply_latest(schema: str, app: str = APP) -> tuple[str, str]:
    """Unapply `app`'s latest migration in `schema`; what was unapplied."""
    leaf = latest(app)
    (parent,) = [key for key in MigrationLoader(None).graph.node_map[leaf].parents if key[0] == app]
    connection.set_schema(schema)
    MigrationExecutor(connection).migrate([parent])
    connection.set_schema_to_public()
    return leaf


def applied(schema: str, key: tuple[str, str]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{schema}".django_migrations WHERE app = %s AND name = %s)',
            list(key),
        )
        return cursor.fetchone()[0]


@pytest.fixture
def migrated() -> Iterator[list[str]]:
    """The schemas `migrate` runs in, in order: django-tenants signals each one, whatever the executor."""
    ran: list[str] = []

    def record(sender: object, schema_name: str, **kwargs: object) -> None:
        ran.append(schema_name)

    schema_pre_migration.connect(record)
    yield ran
    schema_pre_migration.disconnect(record)


def migrate_tenants(verbosity: int = 0, **options: object) -> None:
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity, **options)


def test_it_is_the_configured_executor() -> None:
    from django_tenants.management.commands import migrate_schemas

    assert migrate_schemas.GET_EXECUTOR_FUNCTION() is migration_executors.PendingOnlyExecutor


def test_it_does_not_touch_schemas_that_are_up_to_date(alpha, beta, migrated: list[str]) -> None:
    schemas = [settings.TENANT_BASE_SCHEMA, alpha.creator.schema_name, beta.creator.schema_name]
    assert schemas_behind(schemas) == {}

    migrate_tenants()

    assert migrated == []


def test_it_counts_what_the_standard_executor_would_have_done(alpha, beta, migrated: list[str]) -> None:
    migrate_tenants(executor="standard")

    assert set(migrated) == {settings.TENANT_BASE_SCHEMA, alpha.creator.schema_name, beta.creator.schema_name}


def test_it_finds_and_migrates_only_the_schema_one_migration_behind(alpha, beta, migrated: list[str]) -> None:
    behind = beta.creator.schema_name
    leaf = unapply_latest(behind)
    assert not applied(behind, leaf)
    assert schemas_behind([alpha.creator.schema_name, behind]) == {behind: {leaf}}

    migrate_tenants()

    assert migrated == [behind]
    assert applied(behind, leaf)
    assert schemas_behind([alpha.creator.schema_name, behind]) == {}


def test_it_migrates_the_template_first(alpha, beta, migrated: list[str]) -> None:
    for schema in (alpha.creator.schema_name, settings.TENANT_BASE_SCHEMA):
        unapply_latest(schema)

    migrate_tenants()

    assert migrated == [settings.TENANT_BASE_SCHEMA, alpha.creator.schema_name]


def test_a_creator_who_copied_the_template_before_it_was_migrated_is_brought_up_to_date(
    alpha, monkeypatch: pytest.MonkeyPatch, migrated: list[str]
) -> None:
    template = settings.TENANT_BASE_SCHEMA
    leaf = unapply_latest(template)
    real = migration_executors.run_migrations

    def sign_up_meanwhile(args, options, codename, schema_name, **kwargs) -> None:
        if schema_name == template:  # the sign-up copies the template just before it is migrated
            clone_template_schema(template=template, target="c_late")
            Creator.objects.bulk_create([Creator(name="Late", slug="late", schema_name="c_late")])
        real(args, options, codename, schema_name, **kwargs)

    monkeypatch.setattr(migration_executors, "run_migrations", sign_up_meanwhile)

    migrate_tenants()

    assert migrated == [template, "c_late"]
    assert applied("c_late", leaf)


def test_a_squashed_migration_counts_as_applied_when_all_it_replaces_are() -> None:
    squashed, replaced = ("app", "0001_squashed_0002"), frozenset({("app", "0001"), ("app", "0002")})
    plan = MigrationPlan.__new__(MigrationPlan)  # the graph of a project with one squashed migration
    plan.required, plan.replaces = frozenset({squashed}), {squashed: replaced}

    assert plan.pending({squashed}) == set()
    assert plan.pending({squashed, ("app", "0002")}) == {squashed}


def test_a_schema_without_migration_records_is_behind_on_everything(db) -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "c_never_migrated"')

    behind = schemas_behind(["c_never_migrated"])

    assert behind["c_never_migrated"] >= {latest(APP)}


def failing_for(schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = migration_executors.run_migrations

    def failing(args, options, codename, schema_name, **kwargs) -> None:
        if schema_name == schema:
            raise RuntimeError("column already exists")
        real(args, options, codename, schema_name, **kwargs)

    monkeypatch.setattr(migration_executors, "run_migrations", failing)


def test_a_failing_schema_is_reported_and_the_rerun_touches_only_it(
    alpha, beta, monkeypatch: pytest.MonkeyPatch, migrated: list[str]
) -> None:
    failing, other = alpha.creator.schema_name, beta.creator.schema_name
    leaf = unapply_latest(failing)
    unapply_latest(other)
    failing_for(failing, monkeypatch)

    with pytest.raises(
        CommandError, match=rf"1 schema\(s\) failed.*\n  {failing}: RuntimeError: column already exists"
    ):
        migrate_tenants()

    assert applied(other, leaf)
    assert schemas_behind([failing, other]) == {failing: {leaf}}
    monkeypatch.undo()
    migrated.clear()
    migrate_tenants()
    assert migrated == [failing]
    assert applied(failing, leaf)


@pytest.fixture
def parallel(settings, transactional_db, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two worker processes; they see only committed data, hence a transactional test."""
    settings.MIGRATION_PROCESSES = 2
    yield
    # Whatever the test left behind, no schema stays behind for the tests after it.
    monkeypatch.undo()
    settings.MIGRATION_PROCESSES = 1
    migrate_tenants()


def test_in_parallel_a_failure_neither_stops_the_others_nor_is_lost(
    parallel, alpha, beta, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    failing, other = alpha.creator.schema_name, beta.creator.schema_name
    leaf = unapply_latest(failing)
    unapply_latest(other)
    unapply_latest(settings.TENANT_BASE_SCHEMA)
    failing_for(failing, monkeypatch)

    with pytest.raises(CommandError, match=rf"\n  {failing}: RuntimeError"):
        migrate_tenants(verbosity=1)

    assert applied(other, leaf) and applied(settings.TENANT_BASE_SCHEMA, leaf)
    out = capsys.readouterr().out
    assert re.search(r"3 of \d+ schemas have migrations to apply", out)
    assert re.search(r"2/2 schemas done, [\d.]+/s, about 0s left", out)
    assert schemas_behind([failing, other, settings.TENANT_BASE_SCHEMA]) == {failing: {leaf}}
