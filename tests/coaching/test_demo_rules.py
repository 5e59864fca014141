"""On a fresh `make run` the demo coach has clients who went quiet, so a new user can try a rule
(the issue's trial: an inactivity rule with a 50% holdout fires for a few demo people)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django_tenants.utils import tenant_context

from coaching.models import RuleDecision
from coaching.services import rules as engine
from coaching.services.rules import rule_create
from coaching.tasks import proactive_tick_now
from config.demo import DEMO_PEOPLE, demo_people_seed

pytestmark = pytest.mark.django_db


def test_an_inactivity_rule_fires_for_the_demo_people_who_went_quiet(alpha, clock, jobs, committed):
    clock.clock_set(datetime(2026, 11, 2, 12, tzinfo=UTC))
    engine.holdout_random = random.Random(7)
    try:
        with tenant_context(alpha.creator):
            assert demo_people_seed() == demo_people_seed() == len(DEMO_PEOPLE), "seeding twice adds nobody"
            with committed():
                rule_create(name="Quiet for 2 days", trigger="no_reply", days=2, action="fixed_message",
                            message="Hi {name}, how is your week going?", holdout_percent=50)  # fmt: skip
        clock.clock_advance(timedelta(minutes=1))
        proactive_tick_now()
        jobs()
    finally:
        engine.holdout_random = random.SystemRandom()
    with tenant_context(alpha.creator):
        decisions = {d.contact.display_name: d for d in RuleDecision.objects.select_related("contact", "message")}
        assert set(decisions) == {"James Carter", "Lucía Fernández", "Priya Shah", "Diego Torres", "Emma Wilson"}
        outcomes = sorted(d.outcome for d in decisions.values())
        assert set(outcomes) == {"sent", "held_back"}, outcomes
        sent = [d for d in decisions.values() if d.outcome == "sent"]
        assert all(d.message.text.startswith("Hi ") and d.message.conversation.outlet == "app" for d in sent)
