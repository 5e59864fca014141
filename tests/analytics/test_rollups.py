"""The dashboard's figures come from rollups kept from the event stream: each figure exact on a
known history, days cut in the creator's timezone (a DST day included), an outlet filter, empty
ranges, increments that equal a rebuild, events not counted twice, erasure that keeps the counts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from analytics.models import DayCount, DayPerson, Event
from analytics.reports.selectors import overview
from analytics.reports.services import rollups_rebuild, rollups_update
from analytics.services import contact_events_anonymise, event_record

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
ANA, LUIS, EVA = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
LATER = datetime(2026, 12, 1, tzinfo=UTC)  # "now" for the updates: every event below is settled


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A Madrid wall-clock time in October 2026 (summer time ends on Sunday the 25th, 03:00 → 02:00)."""
    return datetime(2026, 10, day, hour, minute, tzinfo=MADRID)


def message_in(contact, when, outlet="web"):
    event_record(Event.Kind.MESSAGE_IN, contact_id=contact, outlet=outlet, author="user", occurred_at=when)


def reply(contact, when, seconds, outlet="web", author="ai", answer=Event.Kind.ANSWER_GROUNDED):
    event_record(Event.Kind.MESSAGE_OUT, contact_id=contact, outlet=outlet, author=author, value=seconds,
                 occurred_at=when)  # fmt: skip
    if answer:
        event_record(answer, contact_id=contact, outlet=outlet, occurred_at=when)


def history() -> None:
    """Three people over a week that ends on the day the clocks go back."""
    event_record(Event.Kind.CONTACT_CREATED, contact_id=ANA, outlet="web", occurred_at=at(19, 9))
    event_record(Event.Kind.CONTACT_CREATED, contact_id=LUIS, outlet="telegram", occurred_at=at(20, 23, 30))
    message_in(ANA, at(19, 9))
    reply(ANA, at(19, 9, 0), 3)
    message_in(ANA, at(19, 23, 59))  # still the 19th in Madrid (21:59 UTC)
    reply(ANA, at(19, 23, 59), 40, answer=Event.Kind.ANSWER_UNKNOWN)
    message_in(LUIS, at(20, 23, 30), outlet="telegram")  # the 20th in Madrid, the 20th 21:30 UTC
    reply(LUIS, at(20, 23, 30), 4, outlet="telegram", answer=Event.Kind.ANSWER_PINNED)
    message_in(LUIS, at(21, 0, 30), outlet="telegram")  # the 21st in Madrid, still the 20th in UTC
    reply(LUIS, at(21, 0, 30), 600, outlet="telegram", author="human", answer=None)
    event_record(Event.Kind.TAKEOVER, contact_id=LUIS, outlet="telegram", occurred_at=at(21, 0, 31))
    for kind, n in (("check_in", 4), ("lesson", 1)):
        for _ in range(n):
            event_record(Event.Kind.STEP_SENT, contact_id=EVA, data={"kind": kind}, occurred_at=at(22, 8))
    for _ in range(3):
        event_record(Event.Kind.CHECK_IN_ANSWERED, contact_id=EVA, occurred_at=at(22, 9))
    event_record(Event.Kind.NUDGE_SENT, contact_id=EVA, occurred_at=at(23, 10))
    event_record(Event.Kind.NUDGE_HELD_BACK, contact_id=ANA, occurred_at=at(23, 10))
    event_record(Event.Kind.OPTED_OUT, contact_id=LUIS, outlet="telegram", occurred_at=at(24, 12))
    # The 25th has 25 hours in Madrid: 00:30 and 23:30 are both that day (22:30 UTC on the 24th,
    # 22:30 UTC on the 25th).
    message_in(EVA, datetime(2026, 10, 24, 22, 30, tzinfo=UTC), outlet="whatsapp")
    message_in(EVA, datetime(2026, 10, 25, 22, 30, tzinfo=UTC), outlet="whatsapp")


def test_each_figure_of_a_known_week_in_the_creators_days(madrid):
    with tenant_context(madrid.creator):
        history()
        assert rollups_update(now=LATER) == 27
        week = overview(start=date(2026, 10, 19), end=date(2026, 10, 25))
    assert week["active_people"] == 3 and week["new_people"] == 2
    assert week["messages_by_outlet"] == {"telegram": 4, "web": 4, "whatsapp": 2}
    assert week["messages_by_author"] == {"ai": 3, "human": 1, "user": 6}
    assert week["answers"] == {"grounded": 1, "pinned": 1, "unknown": 1, "small_talk": 0}
    assert (week["takeovers"], week["opt_outs"]) == (1, 1)
    assert (week["check_ins_sent"], week["check_in_response_rate"]) == (4, 0.75)
    assert week["median_first_reply_seconds"] == 5.0, "replies of 3, 4, 40 and 600 s: the median is under 5 s"
    assert week["nudges"] == {"sent": 1, "held_back": 1}
    by_day = {row["day"]: (row["messages_in"], row["active_people"]) for row in week["days"]}
    assert by_day == {
        date(2026, 10, 19): (2, 1),  # 23:59 in Madrid is still the 19th
        date(2026, 10, 20): (1, 1),
        date(2026, 10, 21): (1, 1),  # 00:30 in Madrid is the 21st, though UTC says the 20th
        date(2026, 10, 22): (0, 0),
        date(2026, 10, 23): (0, 0),
        date(2026, 10, 24): (0, 0),
        date(2026, 10, 25): (2, 1),  # the 25-hour day holds both
    }


def test_one_outlet_and_an_empty_range(madrid):
    with tenant_context(madrid.creator):
        history()
        rollups_update(now=LATER)
        telegram = overview(start=date(2026, 10, 19), end=date(2026, 10, 25), outlet="telegram")
        empty = overview(start=date(2026, 11, 1), end=date(2026, 11, 3))
    assert telegram["messages_by_outlet"] == {"telegram": 4} and telegram["active_people"] == 1
    assert telegram["messages_by_author"] == {"ai": 1, "human": 1, "user": 2}
    assert empty["active_people"] == 0 and empty["messages_by_outlet"] == {}
    assert empty["median_first_reply_seconds"] is None and empty["check_in_response_rate"] is None
    assert [row["messages_in"] for row in empty["days"]] == [0, 0, 0]


def test_increments_equal_a_rebuild_and_nothing_is_counted_twice(madrid):
    with tenant_context(madrid.creator):
        history()
        rollups_update(now=LATER, batch=5)  # five events a batch: the cursor moves in steps
        assert rollups_update(now=LATER) == 0, "a second update finds nothing new"
        message_in(ANA, at(25, 12))
        assert rollups_update(now=LATER) == 1
        incremental = sorted(DayCount.objects.values_list("day", "kind", "outlet", "author", "detail", "count"))
        rollups_rebuild(now=LATER)
        rebuilt = sorted(DayCount.objects.values_list("day", "kind", "outlet", "author", "detail", "count"))
    assert incremental == rebuilt


def test_an_event_younger_than_a_minute_waits_for_the_next_update(madrid):
    with tenant_context(madrid.creator):
        message_in(ANA, at(19, 9))
        assert rollups_update(now=at(19, 9, 0) + timedelta(seconds=30)) == 0
        assert rollups_update(now=at(19, 9, 2)) == 1


def test_a_change_of_timezone_cuts_the_days_again(madrid):
    from tenants.models import Creator

    with tenant_context(madrid.creator):
        message_in(ANA, at(21, 0, 30))  # the 21st in Madrid, the 20th in UTC
        rollups_update(now=LATER)
        assert overview(start=date(2026, 10, 21), end=date(2026, 10, 21))["active_people"] == 1
        madrid.creator.timezone = "UTC"
        Creator.objects.filter(pk=madrid.creator.pk).update(timezone="UTC")
        rollups_update(now=LATER)
        assert overview(start=date(2026, 10, 20), end=date(2026, 10, 20))["active_people"] == 1
        assert overview(start=date(2026, 10, 21), end=date(2026, 10, 21))["active_people"] == 0


def test_erasing_a_person_keeps_last_weeks_counts(madrid):
    with tenant_context(madrid.creator):
        history()
        rollups_update(now=LATER)
        before = overview(start=date(2026, 10, 19), end=date(2026, 10, 25))
        contact_events_anonymise(contact_id=ANA)
        after = overview(start=date(2026, 10, 19), end=date(2026, 10, 25))
        assert not DayPerson.objects.filter(contact_id=ANA).exists(), "nothing links the rollups to her"
    assert after == before


def test_one_creators_rollups_are_not_anothers(madrid, beta):
    with tenant_context(madrid.creator):
        history()
        rollups_update(now=LATER)
    with tenant_context(beta.creator):
        rollups_update(now=LATER)
        assert overview(start=date(2026, 10, 19), end=date(2026, 10, 25))["messages_by_outlet"] == {}


def test_the_schedulers_sweep_counts_each_creators_new_events(madrid, beta, jobs, clock):
    from analytics.reports.tasks import rollups_refresh_all

    clock.clock_set(LATER)
    with tenant_context(madrid.creator):
        history()
    rollups_refresh_all.send()
    ran = [name for name, _eta in jobs()]
    assert ran.count("rollups_refresh") >= 2, ran
    with tenant_context(madrid.creator):
        assert overview(start=date(2026, 10, 19), end=date(2026, 10, 25))["active_people"] == 3


def test_the_rebuild_command_counts_again_and_names_each_creator(madrid, clock):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    clock.clock_set(LATER)
    with tenant_context(madrid.creator):
        history()
    out = StringIO()
    call_command("analytics_rebuild", "--creator", madrid.creator.slug, stdout=out)
    assert out.getvalue().strip() == f"[1/1] {madrid.creator.slug}: 27 events counted"
    with pytest.raises(CommandError, match="No creator"):
        call_command("analytics_rebuild", "--creator", "nobody")


def test_a_page_counts_one_batch_at_most_and_the_sweep_counts_the_rest(madrid):
    with tenant_context(madrid.creator):
        history()
        assert rollups_update(now=LATER, batch=5, reading=True) == 5, "a page counts one batch, not all 27"
        assert rollups_update(now=LATER, batch=5) == 22, "the sweep counts the rest"
