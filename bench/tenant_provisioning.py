"""How long does creating a creator take, by migration and by cloning the template schema?

Usage: python bench/tenant_provisioning.py [--runs 15] [--many 200]   (or `make bench`)
Prints medians for one creator each way, the time to create --many creators by clone, and the
time of a `migrate_schemas` with nothing to apply over all of them. Uses a throwaway database.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from _setup import drop_database, fresh_database

DB = "compa_bench_provisioning"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--many", type=int, default=200)
    args = parser.parse_args()
    fresh_database(DB)
    try:
        run(args.runs, args.many)
    finally:
        drop_database(DB)


def run(runs: int, many: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from tenants.models import Creator, User
    from tenants.services import creator_create, platform_schemas_ensure
    from tenants.validators import schema_name_for_slug

    started = time.perf_counter()
    call_command("bootstrap_platform", verbosity=0)
    print(f"bootstrap (public + template schema): {time.perf_counter() - started:.2f}s")
    owner = User.objects.create_user(email="bench@example.com", password="bench-password-123")
    platform_schemas_ensure()

    by_migration = []
    for i in range(runs):
        creator = Creator(name=f"M{i}", slug=f"migrated-{i}", schema_name=schema_name_for_slug(f"migrated-{i}"))
        creator.provision_by_migration = True
        t0 = time.perf_counter()
        creator.save(verbosity=0)
        by_migration.append(time.perf_counter() - t0)
        connection.set_schema_to_public()

    by_clone = []
    for i in range(runs):
        t0 = time.perf_counter()
        creator_create(owner=owner, name=f"C{i}", slug=f"cloned-{i}")
        by_clone.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    for i in range(many):
        creator_create(owner=owner, name=f"Many {i}", slug=f"many-{i}")
    many_seconds = time.perf_counter() - t0

    copies = compare_copiers(runs=5)
    schemas = Creator.objects.count()
    t0 = time.perf_counter()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - t0

    m, c = statistics.median(by_migration), statistics.median(by_clone)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for label, values in (("migration", by_migration), ("clone", by_clone)):
        median, p90 = statistics.median(values) * 1000, quantile(values, 0.9) * 1000
        print(f"create one creator by {label + ':':10} median {median:.0f} ms (p90 {p90:.0f} ms, n={runs})")
    print(f"clone vs migration: {m / c:.1f}x faster")
    print(f"create {many} creators by clone: {many_seconds:.1f}s ({many_seconds / many * 1000:.0f} ms each)")
    print(f"migrate_schemas with nothing to apply over {schemas} schemas: {migrate_seconds:.1f}s")
    for label, values in copies.items():
        median = statistics.median(values) * 1000
        print(f"schema copy only, {schemas} schemas present, {label}: median {median:.0f} ms")


def compare_copiers(runs: int) -> dict[str, list[float]]:
    """The schema copy alone: ours against django-tenants' pg-clone-schema, same database, same moment."""
    from django.conf import settings
    from django.db import connection
    from django_tenants.clone import CloneSchema

    from tenants.provisioning import clone_template_schema

    timings: dict[str, list[float]] = {"compa clone_template_schema": [], "django-tenants pg-clone-schema": []}
    for i in range(runs):
        t0 = time.perf_counter()
        clone_template_schema(template=settings.TENANT_BASE_SCHEMA, target=f"bench_ours_{i}")
        timings["compa clone_template_schema"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, f"bench_pgclone_{i}", "DATA")
        timings["django-tenants pg-clone-schema"].append(time.perf_counter() - t0)
        connection.set_schema_to_public()
    return timings


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


if __name__ == "__main__":
    main()
