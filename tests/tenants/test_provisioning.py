"""New creators get a schema cloned from the template: identical to one built by migrations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

from tenants.models import Creator
from tenants.validators import schema_name_for_slug
from tests.factories import make_creator

pytestmark = pytest.mark.django_db


def catalogue(schema: str) -> dict[str, list]:
    """Everything that makes up a schema, with the schema's own name taken out."""
    queries = {
        "columns": """
            SELECT table_name, column_name,
                   -- column order, not attnum: a migration's dropped column leaves a hole in attnum
                   rank() OVER (PARTITION BY table_name ORDER BY ordinal_position), data_type, is_nullable,
                   replace(coalesce(column_default, ''), %(schema)s || '.', ''), is_identity,
                   character_maximum_length, numeric_precision
            FROM information_schema.columns WHERE table_schema = %(schema)s ORDER BY 1, 2""",
        "indexes": """
            SELECT tablename, indexname, replace(indexdef, %(schema)s || '.', '')
            FROM pg_indexes WHERE schemaname = %(schema)s ORDER BY 1, 2""",
        "constraints": """
            SELECT rel.relname, con.conname, con.contype,
                   replace(pg_get_constraintdef(con.oid), %(schema)s || '.', '')
            FROM pg_constraint con
            JOIN pg_class rel ON rel.oid = con.conrelid
            JOIN pg_namespace ns ON ns.oid = rel.relnamespace
            WHERE ns.nspname = %(schema)s ORDER BY 1, 2""",
        "sequences": """
            SELECT sequence_name, data_type, increment FROM information_schema.sequences
            WHERE sequence_schema = %(schema)s ORDER BY 1""",
        "views_and_functions": """
            SELECT table_name FROM information_schema.views WHERE table_schema = %(schema)s ORDER BY 1""",
    }
    result = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, {"schema": schema})
            result[name] = cursor.fetchall()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        result["migrations"] = cursor.fetchall()
        cursor.execute(f'SELECT app_label, model FROM "{schema}".django_content_type ORDER BY 1, 2')
        result["content_types"] = cursor.fetchall()
        cursor.execute(f'SELECT coach_name, voice, greeting FROM "{schema}".coaching_persona')
        result["persona"] = cursor.fetchall()
    return result


def test_a_cloned_schema_is_identical_to_a_migrated_one(platform):
    cloned = make_creator("cloned-one")
    migrated = Creator(name="Migrated", slug="migrated-one", schema_name=schema_name_for_slug("migrated-one"))
    migrated.provision_by_migration = True
    migrated.save(verbosity=0)
    connection.set_schema_to_public()

    from_clone, from_migrations = catalogue(cloned.schema_name), catalogue(migrated.schema_name)
    for part in from_migrations:
        assert from_clone[part] == from_migrations[part], part
    assert len(from_clone["columns"]) > 5
    assert from_clone["persona"] == [(
        "Coach", "Warm, encouraging and concrete. Short sentences. Ask one question at a time.",
        "Hi! I'm your coach. What would you like to work on today?",
    )]  # fmt: skip


def test_the_template_is_fully_migrated(platform):
    """If it were not, clones would miss migrations: migrate_schemas keeps it current."""
    expected = sorted(MigrationLoader(connection).disk_migrations)
    applied = catalogue("creator_template")["migrations"]
    assert sorted(applied) == expected
    assert ("coaching", "0002_default_persona") in applied


def test_a_failed_creation_leaves_no_schema_or_rows(platform, monkeypatch):
    from tenants.models import Domain

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Domain.objects, "create", explode)
    with pytest.raises(RuntimeError):
        make_creator("half-made")
    assert not Creator.objects.filter(slug="half-made").exists()
    assert not schema_exists("c_half_made")


@pytest.mark.parametrize("slug", ["alpha", "demo-fitness", "a1b"])
def test_schema_names_never_collide_with_postgres_or_platform_schemas(slug):
    name = schema_name_for_slug(slug)
    assert name.startswith("c_")
    assert name not in {"public", "creator_template", "information_schema"}
    assert not name.startswith("pg_")
    assert len(name) <= 63
