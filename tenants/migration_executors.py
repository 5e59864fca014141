"""`migrate_schemas` that migrates only the creator schemas that are behind.

django-tenants' standard executor runs Django's `migrate` in every schema, one after another,
even when nothing is pending: each run loads the migration graph's state against that schema,
and over thousands of creators that took minutes (issue 19: 598 s at 2,000 schemas). Here the
applied-migration records of every schema are read in a few batched queries, compared with the
migrations the graph says each schema must have, and `migrate` runs only where something is
missing. Those schemas run one after another, or in a pool of forked processes when
`MIGRATION_PROCESSES` is above 1, after the template schema (new creators are copies of it, so
it goes first). One schema's failure is recorded and the others go on; the command then fails
naming every schema that did, and a rerun finds only those still behind.
"""

from __future__ import annotations

import functools
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as tenants_get_executor
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.migration_executors.standard import StandardExecutor
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import get_tenant_model

# Each batch is one UNION ALL query touching this many schemas' django_migrations tables; a
# query locks every table it reads, and Postgres' shared lock table holds
# max_locks_per_transaction x max_connections (6,400 by default).
BATCH_SIZE = 500

Key = tuple[str, str]


def get_executor(codename: str | None = None) -> type[MigrationExecutor]:
    """`GET_EXECUTOR_FUNCTION`: `--executor` or `TENANT_MIGRATION_EXECUTOR`, ours or django-tenants'."""
    codename = codename or getattr(settings, "TENANT_MIGRATION_EXECUTOR", PendingOnlyExecutor.codename)
    if codename == PendingOnlyExecutor.codename:
        return PendingOnlyExecutor
    return tenants_get_executor(codename)


class MigrationPlan:
    """The migrations every tenant schema must have applied, from Django's migration graph.

    `migrate` without a target applies every node of the graph, and records each one as applied
    in every schema (the router only skips the operations of apps not in TENANT_APPS), so a
    schema is current when it has a record for every node. A squashed migration counts as
    applied when all the migrations it replaces are, as Django's loader counts it.
    """

    def __init__(self) -> None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        self.required: frozenset[Key] = frozenset(loader.graph.nodes)
        self.replaces: dict[Key, frozenset[Key]] = {
            key: frozenset(migration.replaces) for key, migration in loader.replacements.items()
        }
        self.checked: tuple[Key, ...] = tuple(
            sorted(self.required.union(*self.replaces.values()) if self.replaces else self.required)
        )

    def pending(self, missing: set[Key]) -> set[Key]:
        """Of the records a schema lacks, those that mean a migration is still to run."""
        pending = set()
        for key in missing & self.required:
            squashed_and_all_replaced_applied = key in self.replaces and not self.replaces[key] & missing
            if not squashed_and_all_replaced_applied:
                pending.add(key)
        return pending


def schemas_behind(schemas: Sequence[str], *, database: str = "default") -> dict[str, set[Key]]:
    """Each schema in `schemas` with something to apply, and what: a few queries for any number.

    A schema without a django_migrations table (made but never migrated) is behind on
    everything. Schema names come from tenants_creator and are validated before they are
    spliced into SQL as quoted identifiers; the expected records are bound parameters.
    """
    plan = MigrationPlan()
    behind: dict[str, set[Key]] = {}
    connection = connections[database]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)""",
            [list(schemas)],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        for schema in schemas:
            if schema not in with_table:
                behind[schema] = set(plan.required)
        present = [schema for schema in schemas if schema in with_table]
        apps = [app for app, _ in plan.checked]
        names = [name for _, name in plan.checked]
        for start in range(0, len(present), BATCH_SIZE):
            batch = present[start : start + BATCH_SIZE]
            cursor.execute(_missing_records_sql(batch), [apps, names, *batch])
            missing: dict[str, set[Key]] = {}
            for schema, app, name in cursor.fetchall():
                missing.setdefault(schema, set()).add((app, name))
            for schema, keys in missing.items():
                if pending := plan.pending(keys):
                    behind[schema] = pending
    return behind


def _missing_records_sql(schemas: Sequence[str]) -> str:
    """One query listing, per schema, the expected (app, name) records it lacks."""
    branches = []
    for schema in schemas:
        _check_schema_name(schema)
        quoted = '"' + schema.replace('"', '""') + '"'
        table = f"{quoted}.django_migrations"
        lacks = f"NOT EXISTS (SELECT 1 FROM {table} m WHERE m.app = e.app AND m.name = e.name)"  # noqa: S608
        branches.append(f"SELECT %s::text, e.app, e.name FROM expected e WHERE {lacks}")  # noqa: S608
    expected = "WITH expected(app, name) AS (SELECT * FROM unnest(%s::text[], %s::text[])) "
    return expected + " UNION ALL ".join(branches)


def _migrate_one(
    args: Sequence[str], options: dict[str, Any], codename: str, schema_name: str, *, in_worker: bool = False
) -> tuple[str, str | None]:
    """Migrate one schema; its error as text, so a failure travels back from a worker process.

    In this process the run may sit inside a caller's transaction (tests, `call_command` in an
    atomic block), which django-tenants allows unless told the run is a worker's.
    """
    try:
        run_migrations(args, options, codename, schema_name, allow_atomic=not in_worker)
    except Exception as exc:  # one schema's failure must not stop the others
        connection = connections[options.get("database") or "default"]
        if not connection.in_atomic_block:
            connection.close()
        return schema_name, f"{type(exc).__name__}: {exc}"
    return schema_name, None


class PendingOnlyExecutor(MigrationExecutor):
    """Migrate the public schema, then the template, then only the creator schemas behind."""

    codename = "pending-only"

    def run_migrations(self, tenants: Iterable[str] | None = None) -> None:
        tenants = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in tenants:
            run_migrations(self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME)
            tenants.remove(self.PUBLIC_SCHEMA_NAME)
        if not tenants:
            return
        if not self._can_skip_current():
            pending = tenants
        else:
            behind = schemas_behind(tenants, database=self.TENANT_DB_ALIAS)
            pending = [schema for schema in tenants if schema in behind]
        self._say(f"{len(pending)} of {len(tenants)} schemas have migrations to apply")
        template = getattr(settings, "TENANT_BASE_SCHEMA", None)
        failures: dict[str, str] = {}
        if template in pending:
            pending.remove(template)
            # New creators are copies of the template: bring it up to date before the others.
            _, error = _migrate_one(self.args, self.options, self.codename, template)
            if error:
                failures[template] = error
        failures.update(self._migrate_all(pending))
        if self._can_skip_current() and not self.options.get("schema_name"):
            failures.update(self._migrate_created_meanwhile(seen={*tenants, self.PUBLIC_SCHEMA_NAME}))
        if failures:
            listed = "\n".join(f"  {schema}: {error}" for schema, error in sorted(failures.items()))
            raise CommandError(f"{len(failures)} schema(s) failed to migrate; rerun to retry them:\n{listed}")

    def run_multi_type_migrations(self, tenants: Iterable[tuple[str, str]]) -> None:
        """Compañero has one tenant type; kept working, unoptimised, should that change."""
        StandardExecutor(self.args, self.options).run_multi_type_migrations(tenants)

    def _can_skip_current(self) -> bool:
        """Only a plain `migrate` to the latest state may skip a schema with nothing missing.

        A named target can mean unapplying, and --prune / --run-syncdb act on more than the
        missing records, so those run everywhere as django-tenants would.
        """
        options = self.options
        return not (
            options.get("app_label")
            or options.get("migration_name")
            or options.get("prune")
            or options.get("run_syncdb")
        )

    def _migrate_created_meanwhile(self, *, seen: set[str]) -> dict[str, str]:
        """Creators who signed up during the run may have copied the template before it was migrated.

        They were not in the list read at the start; any of them behind is migrated now. Those
        created after this second read copy a template that is already current.
        """
        names = get_tenant_model().objects.using(self.TENANT_DB_ALIAS).values_list("schema_name", flat=True)
        late = [name for name in names if name not in seen]
        if not late:
            return {}
        behind = schemas_behind(late, database=self.TENANT_DB_ALIAS)
        self._say(f"{len(behind)} of {len(late)} schemas created during the run have migrations to apply")
        return self._migrate_all([name for name in late if name in behind])

    def _migrate_all(self, schemas: list[str]) -> dict[str, str]:
        processes = min(int(getattr(settings, "MIGRATION_PROCESSES", 1)), len(schemas))
        migrate = functools.partial(_migrate_one, self.args, self.options, self.codename)
        progress = _Progress(len(schemas), self._say)
        failures: dict[str, str] = {}
        if processes <= 1:
            for schema, error in map(migrate, schemas):
                if error:
                    failures[schema] = error
                progress.step()
            return failures
        # Forked workers inherit the loaded apps; none may share the parent's open connection.
        connections[self.TENANT_DB_ALIAS].close()
        context = multiprocessing.get_context("fork")
        in_worker = functools.partial(migrate, in_worker=True)
        with context.Pool(processes=processes) as pool:
            for schema, error in pool.imap_unordered(in_worker, schemas):
                if error:
                    failures[schema] = error
                progress.step()
        return failures

    def _say(self, message: str) -> None:
        if int(self.options.get("verbosity", 1)) >= 1:
            sys.stdout.write(f"[{self.codename}] {message}\n")
            sys.stdout.flush()


class _Progress:
    """Done / total, rate and time left, about every 2 % and at the end."""

    def __init__(self, total: int, say: Callable[[str], None]) -> None:
        self.total, self.say, self.done = total, say, 0
        self.every = max(1, total // 50)
        self.started = time.monotonic()

    def step(self) -> None:
        self.done += 1
        if self.done % self.every and self.done != self.total:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate
        self.say(f"{self.done}/{self.total} schemas done, {rate:.1f}/s, about {left:.0f}s left")
