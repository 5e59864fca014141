"""Two schedulers at once (two workers running the same creator's due work at the same moment)
send each step exactly once: rows are claimed with SKIP LOCKED and each send carries its key."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models import Count
from django_tenants.utils import tenant_context

from coaching.models import StepSend
from coaching.services.enrollments import enrollment_create
from coaching.services.proactive import proactive_run_due
from coaching.services.programs import program_create, program_publish, step_add
from conversations.models import Message
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_runs_at_once_send_every_due_step_once(alpha, clock, settings):
    settings.PROACTIVE_BATCH = 25
    clock.clock_set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    with tenant_context(alpha.creator):
        program = program_create(name="Daily")
        step_add(program=program, kind="message", day=0, at=None, text="Good morning!")
        step_add(program=program, kind="message", day=0, at=None, text="Here is today's plan.")
        program_publish(program=program)
        for _ in range(60):
            enrollment_create(program=program, contact=ConversationFactory(outlet="app").contact, timezone="UTC")
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            with tenant_context(alpha.creator):
                while proactive_run_due()["more"]:
                    pass
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with tenant_context(alpha.creator):
        assert StepSend.objects.filter(status="sent").count() == 120
        ours = Message.objects.filter(author="ai", text__in=["Good morning!", "Here is today's plan."])
        per_text = ours.values("conversation", "text").annotate(n=Count("id"))
        assert len(per_text) == 120 and {row["n"] for row in per_text} == {1}, "every step once, to every person"
