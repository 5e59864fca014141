"""Erasing a person takes their programs' rows with them: enrollments and scheduled steps,
measurements and reminders; another person's rows stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django_tenants.utils import tenant_context

from coaching.models import Enrollment, Measurement, Reminder, StepSend
from coaching.services.enrollments import enrollment_create
from coaching.services.programs import program_create, program_publish, step_add
from coaching.services.replies import reminder_create
from conversations.services import contact_delete
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_erasing_a_person_erases_their_enrollments_measurements_and_reminders(alpha, clock):
    clock.clock_set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    with tenant_context(alpha.creator):
        program = program_create(name="Weigh-ins")
        step_add(program=program, kind="check_in", day=1, at="08:00", text="Your weight?", answer_type="number",
                 unit="kg", metric="weight")  # fmt: skip
        program_publish(program=program)
        leaving, staying = ConversationFactory(outlet="app"), ConversationFactory(outlet="app")
        for conversation in (leaving, staying):
            enrollment = enrollment_create(program=program, contact=conversation.contact, timezone="UTC")
            Measurement.objects.create(contact=conversation.contact, enrollment=enrollment, metric="weight", value=70)
            reminder_create(contact=conversation.contact, conversation=conversation, text="weigh in",
                            due_at=clock.now() + timedelta(days=1), zone="UTC", language="en")  # fmt: skip
        contact_delete(contact=leaving.contact)
        for model in (Enrollment, Measurement, Reminder):
            assert not model.objects.filter(contact=leaving.contact_id).exists(), model.__name__
            assert model.objects.filter(contact=staying.contact_id).count() == 1, model.__name__
        assert StepSend.objects.count() == 1 and StepSend.objects.get().enrollment.contact_id == staying.contact_id
