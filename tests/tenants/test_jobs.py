"""Background jobs always name their creator and run inside that creator's schema only."""

from __future__ import annotations

import dramatiq
import pytest
from django.db import connection

from conversations.models import Persona
from tenants.jobs import UnknownCreatorSchema, tenant_actor

pytestmark = pytest.mark.django_db


@tenant_actor(actor_name="tests.rename_coach")
def rename_coach(creator, name: str) -> str:
    Persona.objects.update(coach_name=name)
    return connection.schema_name


def test_a_job_runs_in_the_schema_it_names_and_leaves_public_behind(alpha, beta):
    assert rename_coach.fn(alpha.creator.schema_name, "Ana") == "c_alpha"
    assert rename_coach.fn(beta.creator.schema_name, "Bea") == "c_beta"
    assert rename_coach.fn(alpha.creator.schema_name, "Ana 2") == "c_alpha"
    assert connection.schema_name == "public"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coach_name FROM c_alpha.coaching_persona UNION ALL SELECT coach_name FROM c_beta.coaching_persona"
        )
        assert [row[0] for row in cursor.fetchall()] == ["Ana 2", "Bea"]


@pytest.mark.parametrize("schema", [None, "", "public", "creator_template", "c_nobody", 42, "c_alpha; DROP"])
def test_a_job_without_a_known_creator_is_refused(platform, schema):
    with pytest.raises(UnknownCreatorSchema):
        rename_coach.fn(schema, "X")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM c_alpha.coaching_persona WHERE coach_name = 'X'")
        assert cursor.fetchone() == (0,)


def test_jobs_are_real_dramatiq_actors_with_the_schema_first(platform):
    broker = dramatiq.get_broker()
    message = rename_coach.send("c_alpha", "Ana")
    assert message.args == ("c_alpha", "Ana")
    assert broker.get_actor("tests.rename_coach") is rename_coach
    broker.flush_all()
