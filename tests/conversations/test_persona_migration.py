"""The persona moved from `coaching` to `conversations` without losing anyone's: a creator's schema and
the template (which every new creator is cloned from) keep their row going forward and back."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import tenant_context

from conversations.models import Persona
from conversations.selectors import persona_get
from conversations.services.persona import persona_ensure

pytestmark = pytest.mark.django_db

BEFORE = [("coaching", "0004_checkup_question_public_id"), ("conversations", "0006_web_visitors_become_identities")]
AFTER = [("coaching", "0005_persona_moves_to_conversations"), ("conversations", "0007_persona_moves_here")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    """Move the current schema's coaching and conversations migrations to `targets` (in the test's
    transaction, which rolls every step back afterwards)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    applied = set(MigrationRecorder(connection).applied_migrations())
    assert set(targets) <= applied and not (set(AFTER) - set(targets)) & applied
    return executor


def historical_persona(executor: MigrationExecutor, targets: list[tuple[str, str]], app: str) -> type:
    return executor.loader.project_state(targets).apps.get_model(app, "Persona")


@pytest.mark.parametrize("schema", ["c_alpha", settings.TENANT_BASE_SCHEMA])
def test_every_schemas_persona_survives_the_move_and_the_way_back(platform, schema):
    connection.set_schema(schema)
    before = migrate(BEFORE)
    old_persona = historical_persona(before, BEFORE, "coaching")
    old_persona.objects.all().delete()
    written = old_persona.objects.create(coach_name=f"Rita of {schema}", rules="Never recommend supplements.")

    after = migrate(AFTER)
    moved = historical_persona(after, AFTER, "conversations").objects.get()  # as it was when it moved
    assert (moved.pk, moved.coach_name, moved.rules) == (written.pk, written.coach_name, written.rules)

    back = migrate(BEFORE)
    assert historical_persona(back, BEFORE, "coaching").objects.get().coach_name == f"Rita of {schema}"
    with pytest.raises(LookupError):
        historical_persona(back, BEFORE, "conversations")

    again = migrate(AFTER)
    assert historical_persona(again, AFTER, "conversations").objects.get().coach_name == f"Rita of {schema}"


def test_the_move_touches_no_table():
    executor = MigrationExecutor(connection)
    for app, name in AFTER:
        migration = executor.loader.get_migration(app, name)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            state = executor.loader.project_state((app, name), at_end=False)
            for operation in migration.operations:
                new_state = state.clone()
                operation.state_forwards(app, new_state)
                operation.database_forwards(app, editor, state, new_state)
                operation.database_backwards(app, editor, new_state, state)
                state = new_state
        assert editor.collected_sql == [], (name, editor.collected_sql)
    assert Persona._meta.db_table == "coaching_persona"


def test_reading_a_missing_persona_writes_nothing(alpha):
    with tenant_context(alpha.creator):
        Persona.objects.all().delete()
        default = persona_get()
        assert default.pk is None and default.coach_name == "Coach"
        assert not Persona.objects.exists()
        stored = persona_ensure()
        assert stored.pk is not None and persona_ensure().pk == stored.pk
        assert Persona.objects.count() == 1
