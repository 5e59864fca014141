"""`migrate_schemas` migrates only the creator schemas that are behind (issue 19).

The personas' schemas (c_alpha, c_beta) and the template are migrated by the session's set-up,
so every test starts with all of them current. A schema is put one migration behind by
unapplying the latest migration of one tenant app there, the way `migrate app <previous>` would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from tenants import migration_executors
from tenants.migration_executors import schemas_behind

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
def migrated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The schemas `migrate` runs in, in order (still migrating them for real)."""
    ran: list[str] = []
    real = migration_executors.run_migrations

    def recording(args, options, codename, schema_name, **kwargs) -> None:
        ran.append(schema_name)
        real(args, options, codename, schema_name, **kwargs)

    monkeypatch.setattr(migration_executors, "run_migrations", recording)
    return ran


def migrate_tenants(verbosity: int = 0) -> None:
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)


def test_it_is_the_configured_executor() -> None:
    from django_tenants.management.commands import migrate_schemas

    assert migrate_schemas.GET_EXECUTOR_FUNCTION() is migration_executors.PendingOnlyExecutor


def test_it_does_not_touch_schemas_that_are_up_to_date(alpha, beta, migrated: list[str]) -> None:
    schemas = [settings.TENANT_BASE_SCHEMA, alpha.creator.schema_name, beta.creator.schema_name]
    assert schemas_behind(schemas) == {}

    migrate_tenants()

    assert migrated == []


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


def test_a_schema_without_migration_records_is_behind_on_everything() -> None:
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
    alpha, beta, monkeypatch: pytest.MonkeyPatch
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
    ran: list[str] = []
    monkeypatch.setattr(migration_executors, "run_migrations", _recording(ran))
    migrate_tenants()
    assert ran == [failing]
    assert applied(failing, leaf)


def _recording(ran: list[str]) -> Callable[..., None]:
    real = migration_executors.run_migrations

    def recording(args, options, codename, schema_name, **kwargs) -> None:
        ran.append(schema_name)
        real(args, options, codename, schema_name, **kwargs)

    return recording


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
    assert re.search(r"3 of \d+ schemas have migrations to apply", capsys.readouterr().out)
    assert schemas_behind([failing, other, settings.TENANT_BASE_SCHEMA]) == {failing: {leaf}}
