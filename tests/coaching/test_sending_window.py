"""The creator sets when the coach may write first, in the hub and the API; steps wait for it."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from coaching.models import ProactiveSettings, StepSend
from coaching.services.enrollments import enrollment_create
from coaching.services.programs import program_create, program_publish, step_add
from tests.conftest import client_for
from tests.factories import ConversationFactory, bearer, host

pytestmark = pytest.mark.django_db


def test_the_hub_sets_the_sending_window_and_new_steps_keep_to_it(alpha, clock):
    coach = client_for(alpha.creator, alpha.coach)
    assert 'value="08:00"' in coach.get("/hub/programs/").content.decode()
    coach.post("/hub/programs/window/", {"start": "09:30", "end": "20:00"})
    with tenant_context(alpha.creator):
        row = ProactiveSettings.objects.get()
        assert (row.window_start, row.window_end) == (time(9, 30), time(20, 0))
        program = program_create(name="Mornings")
        step_add(program=program, kind="message", day=1, at="07:00", text="Early bird")
        program_publish(program=program)
        clock.clock_set(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
        enrollment_create(program=program, contact=ConversationFactory(outlet="app").contact, timezone="Europe/Madrid")
        due = StepSend.objects.get().due_at.astimezone(ZoneInfo("Europe/Madrid"))
        assert (due.day, due.hour, due.minute) == (8, 9, 30)
    refused = coach.post("/hub/programs/window/", {"start": "21:00", "end": "08:00"}, follow=True)
    assert "must end after it starts" in refused.content.decode()
    analyst = client_for(alpha.creator, alpha.analyst)
    assert analyst.post("/hub/programs/window/", {"start": "06:00", "end": "23:00"}).status_code == 403


def test_the_api_reads_and_sets_the_sending_window(alpha, beta):
    api = Client(**host(alpha.creator))
    api.defaults.update(bearer(alpha.coach, alpha.creator))
    assert api.get("/api/v1/sending-window").json() == {"start": "08:00", "end": "21:00"}
    changed = api.patch("/api/v1/sending-window", {"start": "07:00", "end": "22:00"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json() == {"start": "07:00", "end": "22:00"}
    for bad in ({"start": "7", "end": "22:00"}, {"start": "22:00", "end": "07:00"}, {"start": "25:00", "end": "26:00"}):
        assert api.patch("/api/v1/sending-window", bad, content_type="application/json").status_code == 400
    other = Client(**host(beta.creator))
    other.defaults.update(bearer(beta.coach, beta.creator))
    assert other.get("/api/v1/sending-window").json() == {"start": "08:00", "end": "21:00"}, "each creator's own"
    analyst = Client(**host(alpha.creator))
    analyst.defaults.update(bearer(alpha.analyst, alpha.creator))
    assert analyst.patch("/api/v1/sending-window", {"start": "06:00", "end": "23:00"},
                         content_type="application/json").status_code == 403  # fmt: skip
