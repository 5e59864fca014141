"""Rules that react to what people do: each trigger fires when it should and once; nothing goes in
quiet hours, outside the sending window, over the day's cap, to someone who opted out or may be in
crisis, or after the person wrote first; approvals and expiry; the holdout's bookkeeping; the
effect on a known history; the dry run against what then happens."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from analytics.models import Event
from coaching.models import RuleDecision
from coaching.rule_reports import rule_preview
from coaching.services.rules import rule_create
from coaching.tasks import proactive_tick_now
from conversations.models import Message
from conversations.services.turns import Turn, turn_run
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return (datetime(2026, 11, 2, hour, minute, tzinfo=MADRID) + timedelta(days=day)).astimezone(UTC)


@pytest.fixture
def drive(clock, jobs):
    def at(moment: datetime) -> None:
        clock.clock_set(moment)
        proactive_tick_now()
        jobs()

    return at


def person_who_wrote(at: datetime, *, name: str = "Ana García", **contact):
    conversation = ConversationFactory(outlet="app", contact__display_name=name, **contact)
    MessageFactory(conversation=conversation, author=Message.Author.USER, text="hola", created_at=at)
    return conversation


def nudges(conversation) -> list[str]:
    return list(
        conversation.messages.filter(author=Message.Author.AI, in_reply_to__isnull=True).values_list("text", flat=True)
    )


def test_a_silence_rule_fires_once_at_n_days_inside_the_sending_window(alpha, clock, drive, committed):
    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        quiet = person_who_wrote(local(0, 10))
        chatty = person_who_wrote(local(0, 10), name="Luis")
        with committed():
            rule_create(name="Checking in", trigger="no_reply", days=2, action="fixed_message",
                        message="Hi {name}, how are you?", holdout_percent=0)  # fmt: skip
    drive(local(1, 12))
    with tenant_context(alpha.creator):
        MessageFactory(conversation=chatty, author=Message.Author.USER, text="still here", created_at=local(1, 12))
    drive(local(2, 9, 59))
    with tenant_context(alpha.creator):
        assert nudges(quiet) == [], "two days have not passed yet"
    drive(local(2, 10, 15))
    drive(local(2, 11))
    drive(local(3, 11))
    with tenant_context(alpha.creator):
        assert nudges(quiet) == ["Hi Ana, how are you?"], "once, not at every look"
        assert nudges(chatty) == [], "Luis wrote a day later: his two days end on day 3 at 12:00"
        decision = RuleDecision.objects.get(contact=quiet.contact)
        assert decision.outcome == "sent" and decision.context == {"days": 2}
        assert Event.objects.filter(kind="nudge_sent", contact_id=quiet.contact_id).count() == 1
