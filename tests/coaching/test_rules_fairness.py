"""One creator's thousands of nudges cannot starve the others: a creator's proactive work runs one
job at a time across every worker, and a job writes at most RULES_WRITE_BATCH messages with the
LLM before the next job for that creator waits behind everyone else's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dramatiq
import pytest
from django_tenants.utils import tenant_context

from coaching.models import RuleDecision
from coaching.services.rules import rule_create
from coaching.tasks import creator_run_lock, proactive_run
from conversations.models import Message
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 2, 10, tzinfo=UTC)


def silent_people(count: int) -> None:
    for number in range(count):
        conversation = ConversationFactory(outlet="app", contact__display_name=f"Person {number}")
        MessageFactory(conversation=conversation, author=Message.Author.USER, created_at=START)


def queued() -> list[tuple[str, tuple]]:
    broker = dramatiq.get_broker()
    items = []
    for name in list(broker.queues):
        queue = broker.queues[name]
        while not queue.empty():
            message = dramatiq.Message.decode(queue.get_nowait())
            items.append((message.actor_name, tuple(message.args)))
    return items


def test_a_job_writes_at_most_a_batch_of_messages_then_queues_the_next_behind_others(
    alpha, clock, settings, django_capture_on_commit_callbacks
):
    settings.RULES_WRITE_BATCH = 20
    settings.CHROMA_URL = "http://127.0.0.1:9"  # the material is unreachable: the opening line alone
    clock.clock_set(START)
    dramatiq.get_broker().flush_all()
    with tenant_context(alpha.creator):
        silent_people(45)
        rule_create(name="Hello again", trigger="no_reply", days=2, action="ai_message", holdout_percent=0,
                    needs_approval=True)  # fmt: skip
    clock.clock_set(START + timedelta(days=3))
    written = []
    for _job in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            proactive_run.fn(alpha.creator.schema_name)
        with tenant_context(alpha.creator):
            written.append(RuleDecision.objects.count())
        jobs = [item for item in queued() if item[0].endswith("proactive_run")]
        assert len(jobs) == (1 if written[-1] < 45 else 0), "the next batch is a new job at the back of the queue"
    assert written == [20, 40, 45]


def test_a_second_run_for_a_creator_already_at_work_leaves_it_to_the_first(alpha, beta, clock):
    clock.clock_set(START)
    for team in (alpha, beta):
        with tenant_context(team.creator):
            silent_people(2)
            rule_create(name="Hello again", trigger="no_reply", days=2, action="fixed_message", message="Hi!",
                        holdout_percent=0)  # fmt: skip
    clock.clock_set(START + timedelta(days=3))
    with creator_run_lock(alpha.creator.schema_name).acquire() as held:
        assert held
        proactive_run.fn(alpha.creator.schema_name)
        proactive_run.fn(beta.creator.schema_name)
    with tenant_context(alpha.creator):
        assert RuleDecision.objects.count() == 0, "alpha's first run is still at work"
    with tenant_context(beta.creator):
        assert RuleDecision.objects.filter(outcome="sent").count() == 2, "beta is not held up by alpha"
    proactive_run.fn(alpha.creator.schema_name)
    with tenant_context(alpha.creator):
        assert RuleDecision.objects.filter(outcome="sent").count() == 2, "once the lock is free, alpha's turn"


def test_the_write_budget_is_the_creators_across_all_their_rules(alpha, clock, settings):
    from coaching.services.rules import rules_evaluate

    settings.RULES_WRITE_BATCH = 10
    settings.CHROMA_URL = "http://127.0.0.1:9"
    clock.clock_set(START)
    with tenant_context(alpha.creator):
        silent_people(8)
        for days in (1, 2, 3):
            rule_create(name=f"Quiet {days}", trigger="no_reply", days=days, action="ai_message", holdout_percent=0)
        clock.clock_set(START + timedelta(days=4))
        first = rules_evaluate(now=clock.now())
        assert (first["fired"], first["more"], RuleDecision.objects.count()) == (10, 1, 10), "10 writes, not 24"
        second = rules_evaluate(now=clock.now())
        third = rules_evaluate(now=clock.now())
        assert (second["fired"], third["fired"], third["more"]) == (10, 4, 0)
