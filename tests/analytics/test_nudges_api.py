"""GET /api/v1/analytics/nudges: each rule's sent and held-back firings with replies within 48 hours
and the difference's interval, the rules that fired most first; one creator's rules only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from coaching.models import RuleDecision
from coaching.services.rules import rule_create
from tests.factories import ConversationFactory, MessageFactory, bearer, host

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 2, 10, tzinfo=UTC)


def api(team) -> Client:
    client = Client(**host(team.creator))
    client.defaults.update(bearer(team.member("analyst"), team.creator))
    return client


def fired(rule, outcome: str, replied: bool) -> None:
    conversation = ConversationFactory(outlet="app")
    RuleDecision.objects.create(rule=rule, contact=conversation.contact, trigger_key="k", outcome=outcome,
                                fired_at=AT, due_at=AT, decided_at=AT)  # fmt: skip
    if replied:
        MessageFactory(conversation=conversation, author="user", created_at=AT + timedelta(hours=3))


def test_each_rules_holdout_with_its_replies_most_fired_first(alpha, beta, clock):
    clock.clock_set(AT + timedelta(days=5))
    with tenant_context(alpha.creator):
        small = rule_create(name="Small", trigger="no_reply", days=2, action="fixed_message", message="Hi")
        big = rule_create(name="Big", trigger="no_reply", days=3, action="fixed_message", message="Hi")
        fired(small, "sent", True)
        for n in range(4):
            fired(big, "sent", n < 3)
            fired(big, "held_back", n < 1)
    body = api(alpha).get("/api/v1/analytics/nudges").json()["results"]
    assert [row["name"] for row in body] == ["Big", "Small"]
    big_row = body[0]
    assert (big_row["sent"]["firings"], big_row["sent"]["replied"]) == (4, 3)
    assert (big_row["held_back"]["firings"], big_row["held_back"]["replied"]) == (4, 1)
    assert big_row["reply_within_48h"]["difference"] == pytest.approx(0.5)
    assert big_row["enough_data"] is False
    assert api(beta).get("/api/v1/analytics/nudges").json()["results"] == []
