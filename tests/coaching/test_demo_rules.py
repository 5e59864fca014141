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


def test_the_demo_has_three_weeks_of_history_for_its_analytics_seeded_once(alpha, clock):
    from datetime import date

    from analytics.reports.selectors import overview
    from analytics.reports.services import rollups_update
    from config.demo import demo_history_seed

    clock.clock_set(datetime(2026, 11, 22, 12, tzinfo=UTC))
    with tenant_context(alpha.creator):
        seeded = demo_history_seed()
        assert seeded > 0 and demo_history_seed() == 0, "seeding twice adds nothing"
        rollups_update(now=datetime(2026, 11, 23, tzinfo=UTC))
        figures = overview(start=date(2026, 11, 1), end=date(2026, 11, 21))
    assert figures["active_people"] > 10 and sum(figures["messages_by_outlet"].values()) > 300
    assert set(figures["messages_by_outlet"]) == {"web", "app", "telegram", "whatsapp"}
    assert all(day["messages_in"] > 0 for day in figures["days"]), "every one of the 21 days has activity"
    assert figures["check_in_response_rate"] == 0.75
