"""How long does a `migrate_schemas` with nothing to apply take over N creator schemas?

Usage: python bench/migrate_schemas.py [--schemas 300] [--runs 3]
Builds N creators in a throwaway database by copying the template schema (the sign-up path's
copy, with the creator rows inserted in bulk), then times the no-op run with django-tenants'
standard executor (`migrate` in every schema) and with ours (tenants.migration_executors: one
batched read of every schema's migration records), alternating, in the same process. Prints
medians and the read alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from _setup import drop_database, fresh_database

DB = "compa_bench_migrate_schemas"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schemas", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fresh_database(DB)
    try:
        run(args.schemas, args.runs)
    finally:
        drop_database(DB)


def run(schemas: int, runs: int) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from tenants.migration_executors import PendingOnlyExecutor, schemas_behind
    from tenants.models import Creator
    from tenants.provisioning import clone_template_schema

    call_command("bootstrap_platform", verbosity=0)
    t0 = time.perf_counter()
    names = [f"c_bench_{i}" for i in range(schemas)]
    for name in names:
        clone_template_schema(template=settings.TENANT_BASE_SCHEMA, target=name)
    # bulk_create skips Creator.save, which would copy the template a second time.
    Creator.objects.bulk_create(Creator(name=name, slug=name[2:].replace("_", "-"), schema_name=name) for name in names)
    connection.set_schema_to_public()
    print(f"created {schemas} creator schemas by copy in {time.perf_counter() - t0:.1f}s")

    timings: dict[str, list[float]] = {"standard": [], PendingOnlyExecutor.codename: []}
    for _ in range(runs):
        for codename, values in timings.items():
            t0 = time.perf_counter()
            call_command("migrate_schemas", interactive=False, verbosity=0, executor=codename)
            values.append(time.perf_counter() - t0)
    tenants = list(
        Creator.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).values_list("schema_name", flat=True)
    )
    reads = []
    for _ in range(runs):
        t0 = time.perf_counter()
        behind = schemas_behind(tenants)
        reads.append(time.perf_counter() - t0)
    assert behind == {}, behind

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"no-op migrate_schemas over {len(tenants)} tenant schemas (+ public), median of {runs}:")
    for codename, values in timings.items():
        print(f"  {codename:13} {statistics.median(values):7.2f}s  (runs: {', '.join(f'{v:.2f}' for v in values)})")
    print(f"  reading every schema's migration records alone: {statistics.median(reads) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
