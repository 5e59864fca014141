"""Rules that react to what people do: each trigger fires when it should and once; nothing goes in
quiet hours, outside the sending window, over the day's cap, to someone who opted out or may be in
crisis, or after the person wrote first; approvals and expiry; the holdout's bookkeeping; the
effect on a known history; the dry run against what then happens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from analytics.models import Event
from coaching.models import RuleDecision
from coaching.rule_reports import rule_preview
from coaching.services.rules import rule_create
from conversations.models import Message
from conversations.services.turns import Turn, turn_run
from tests.coaching.conftest import local
from tests.factories import ConversationFactory, MessageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("madrid_creator")]


def person_who_wrote(at: datetime, *, name: str = "Ana García", **contact):
    extra = {f"contact__{field}": value for field, value in contact.items()}
    conversation = ConversationFactory(outlet="app", contact__display_name=name, **extra)
    MessageFactory(conversation=conversation, author=Message.Author.USER, text="hola", created_at=at)
    return conversation


def nudges(conversation) -> list[str]:
    return list(
        conversation.messages.filter(author=Message.Author.AI, in_reply_to__isnull=True).values_list("text", flat=True)
    )


def test_a_silence_rule_fires_once_at_n_days_inside_the_sending_window(alpha, clock, rules_drive, committed):
    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        quiet = person_who_wrote(local(0, 10))
        chatty = person_who_wrote(local(0, 10), name="Luis")
        with committed():
            rule_create(name="Checking in", trigger="no_reply", days=2, action="fixed_message",
                        message="Hi {name}, how are you?", holdout_percent=0)  # fmt: skip
    rules_drive(local(1, 12))
    with tenant_context(alpha.creator):
        MessageFactory(conversation=chatty, author=Message.Author.USER, text="still here", created_at=local(1, 12))
    rules_drive(local(2, 9, 59))
    with tenant_context(alpha.creator):
        assert nudges(quiet) == [], "two days have not passed yet"
    rules_drive(local(2, 10, 15))
    rules_drive(local(2, 11))
    rules_drive(local(3, 11))
    with tenant_context(alpha.creator):
        assert nudges(quiet) == ["Hi Ana, how are you?"], "once, not at every look"
        assert nudges(chatty) == [], "Luis wrote a day later: his two days end on day 3 at 12:00"
        decision = RuleDecision.objects.get(contact=quiet.contact)
        assert decision.outcome == "sent" and decision.context == {"days": 2}
        assert Event.objects.filter(kind="nudge_sent", contact_id=quiet.contact_id).count() == 1


def silence_rule(**overrides):
    fields = {"name": "Checking in", "trigger": "no_reply", "days": 2, "action": "fixed_message",
              "message": "Hi {name}, how are you?", "holdout_percent": 0}  # fmt: skip
    return rule_create(**(fields | overrides))


def test_a_nudge_due_at_night_waits_for_the_window_and_is_cancelled_when_the_person_writes_first(
    alpha, clock, rules_drive, committed
):
    clock.clock_set(local(0, 22, 30))
    with tenant_context(alpha.creator):
        conversation = person_who_wrote(local(0, 22, 30))
        with committed():
            silence_rule()
    rules_drive(local(2, 22, 45))  # two days of silence end at 22:30, after the 21:00 end of the window
    with tenant_context(alpha.creator):
        decision = RuleDecision.objects.get()
        assert decision.outcome == "scheduled" and decision.due_at == local(3, 8)
        assert nudges(conversation) == []
    clock.clock_set(local(3, 7, 30))
    with tenant_context(alpha.creator):
        turn_run(Turn(outlet="app", text="good morning!", contact=conversation.contact,
                      conversation_id=str(conversation.pk)))  # fmt: skip
        decision.refresh_from_db()
        assert (decision.outcome, decision.reason) == ("cancelled", "wrote_first")
    rules_drive(local(3, 8, 1))
    with tenant_context(alpha.creator):
        assert [m for m in nudges(conversation) if m.startswith("Hi Ana")] == []
        assert Event.objects.filter(kind="nudge_cancelled").count() == 1


def test_quiet_hours_and_the_window_follow_the_persons_timezone_across_a_dst_change(
    alpha, clock, rules_drive, committed
):
    """New York leaves summer time on 1 November 2026; the person sleeps until 09:30 their time."""
    from coaching.services.enrollments import enrollment_create
    from coaching.services.programs import program_create, program_publish, step_add

    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 10, 29, 12, tzinfo=new_york)
    clock.clock_set(start.astimezone(UTC))
    with tenant_context(alpha.creator):
        program = program_create(name="Walk more")
        step_add(program=program, kind="message", day=30, at="10:00", text="Day 30")
        program_publish(program=program)
        conversation = person_who_wrote(start.astimezone(UTC))
        enrollment_create(program=program, contact=conversation.contact, timezone="America/New_York",
                          quiet_hours=["21:00", "09:30"], source="hub")  # fmt: skip
        with committed():
            silence_rule(days=3, program=program)
    rules_drive(datetime(2026, 11, 1, 12, 5, tzinfo=new_york).astimezone(UTC))
    with tenant_context(alpha.creator):
        assert nudges(conversation) == ["Hi Ana, how are you?"], "three days after noon, within the window"
        first = RuleDecision.objects.get()
        assert first.due_at.astimezone(new_york).hour == 12
    with tenant_context(alpha.creator):
        MessageFactory(conversation=conversation, author="user", text="ok",
                       created_at=datetime(2026, 11, 1, 23, 0, tzinfo=new_york).astimezone(UTC))  # fmt: skip
    rules_drive(datetime(2026, 11, 4, 23, 10, tzinfo=new_york).astimezone(UTC))
    with tenant_context(alpha.creator):
        second = RuleDecision.objects.exclude(pk=first.pk).get()
        local_due = second.due_at.astimezone(new_york)
        assert (local_due.day, local_due.hour, local_due.minute) == (5, 9, 30), "after their quiet hours, EST"
        assert second.due_at == datetime(2026, 11, 5, 14, 30, tzinfo=UTC)


def test_the_day_cap_counts_program_steps_and_nudges_but_not_reminders(alpha, clock, rules_drive, committed):
    from coaching.models import Reminder
    from coaching.services.proactive import proactive_run_due

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        capped = person_who_wrote(local(0, 10))
        fine = person_who_wrote(local(0, 10), name="Luis")
        earlier = silence_rule(name="Earlier", days=1)
        sent = MessageFactory(conversation=capped, author="ai", text="earlier nudge")
        for key in ("a", "b"):
            RuleDecision.objects.create(rule=earlier, contact=capped.contact, trigger_key=key, outcome="sent",
                                        fired_at=local(2, 8), due_at=local(2, 8), message=sent)  # fmt: skip
        for hour in (8, 9):
            Reminder.objects.create(contact=fine.contact, text="water", due_at=local(2, hour), timezone="Europe/Madrid",
                                    status="sent", sent_at=local(2, hour))  # fmt: skip
        earlier.enabled = False
        earlier.save()
        silence_rule()
    clock.clock_set(local(2, 11))
    with tenant_context(alpha.creator):
        proactive_run_due()
        outcomes = dict(RuleDecision.objects.filter(rule__name="Checking in").values_list("contact_id", "outcome"))
        assert outcomes == {capped.contact_id: "skipped", fine.contact_id: "sent"}
        assert RuleDecision.objects.get(rule__name="Checking in", contact=capped.contact).reason == "daily_cap"


def test_people_who_opted_out_or_may_be_in_crisis_are_never_nudged(alpha, clock, rules_drive, committed):
    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        gone = person_who_wrote(local(0, 10), opted_out_at=local(0, 11))
        crisis = person_who_wrote(local(0, 10), name="Eva", crisis_at=local(0, 11))
        with committed():
            silence_rule(holdout_percent=50)
    rules_drive(local(3, 10))
    with tenant_context(alpha.creator):
        reasons = dict(RuleDecision.objects.values_list("contact_id", "reason"))
        assert reasons == {gone.contact_id: "opted_out", crisis.contact_id: "crisis"}
        assert set(RuleDecision.objects.values_list("outcome", flat=True)) == {"skipped"}, "not even held back"
        assert nudges(gone) == [] and nudges(crisis) == []


def test_a_person_who_opts_out_after_the_nudge_was_planned_is_not_sent_it(alpha, clock, rules_drive, committed):
    from conversations.models import Contact

    clock.clock_set(local(0, 22))
    with tenant_context(alpha.creator):
        conversation = person_who_wrote(local(0, 22))
        with committed():
            silence_rule()
    rules_drive(local(2, 22, 30))
    with tenant_context(alpha.creator):
        Contact.objects.filter(pk=conversation.contact_id).update(opted_out_at=local(2, 23))
    rules_drive(local(3, 8))
    with tenant_context(alpha.creator):
        assert RuleDecision.objects.get().reason == "opted_out" and nudges(conversation) == []


def test_approval_mode_holds_ai_messages_for_the_team_who_approve_edit_reject_or_let_them_expire(
    alpha, clock, rules_drive, committed
):
    from coaching.services.rules import approval_decide
    from conversations.models import TeamNotification

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        people = [person_who_wrote(local(0, 10), name=name) for name in ("Ana", "Luis", "Eva")]
        with committed():
            silence_rule(action="ai_message", message="", needs_approval=True)
    rules_drive(local(2, 10, 5))
    with tenant_context(alpha.creator):
        waiting = {d.contact_id: d for d in RuleDecision.objects.all()}
        assert {d.outcome for d in waiting.values()} == {"awaiting"}
        ana = waiting[people[0].contact_id]
        assert ana.text.startswith("Hi Ana! It's been 2 days since we last talked.")
        assert ana.expires_at == local(3, 10, 5)
        notices = TeamNotification.objects.filter(kind="approval")
        assert notices.count() == notices.values("user_id").distinct().count() >= 1, "one notice per member per look"
        assert all(nudges(c) == [] for c in people), "nothing goes before approval"
        approval_decide(decision=ana, approve=True, text="Ana, a quick hello from me!", by=alpha.owner.email)
        approval_decide(decision=waiting[people[1].contact_id], approve=False, by=alpha.owner.email)
    rules_drive(local(2, 10, 6))
    clock.clock_set(local(3, 10, 6))
    with tenant_context(alpha.creator), pytest.raises(ValidationError, match="no longer waiting"):
        approval_decide(decision=waiting[people[2].contact_id], approve=True, by=alpha.owner.email)
    rules_drive(local(3, 10, 6))
    with tenant_context(alpha.creator):
        assert nudges(people[0]) == ["Ana, a quick hello from me!"]
        assert nudges(people[1]) == [] and nudges(people[2]) == []
        outcomes = {d.contact_id: (d.outcome, d.reason) for d in RuleDecision.objects.all()}
        assert outcomes == {
            people[0].contact_id: ("sent", "approved_edited"),
            people[1].contact_id: ("rejected", "rejected"),
            people[2].contact_id: ("expired", "not_approved_in_time"),
        }
        assert not TeamNotification.objects.filter(kind="approval", read_at__isnull=True).exists(), (
            "nothing waits any more: the bell no longer says a message waits"
        )


def test_the_holdout_keeps_its_share_and_records_both_arms_with_the_same_context(alpha, clock, committed):
    import random

    from coaching.services import rules as engine
    from coaching.services.rules import rules_evaluate

    clock.clock_set(local(0, 10))
    engine.holdout_random = random.Random(16)
    try:
        with tenant_context(alpha.creator):
            for number in range(400):
                person_who_wrote(local(0, 10), name=f"Person {number}")
            silence_rule(holdout_percent=25)
            rules_evaluate(now=local(3, 10), batch=1000)
            decisions = list(RuleDecision.objects.all())
    finally:
        engine.holdout_random = random.SystemRandom()
    held = [d for d in decisions if d.outcome == "held_back"]
    sent = [d for d in decisions if d.outcome == "scheduled"]
    assert len(held) + len(sent) == 400
    assert 0.20 <= len(held) / 400 <= 0.30, f"25% held back, within tolerance: {len(held)}"
    # Evaluated on day 3: silent for 3 days (the rule's threshold is 2), the same context in both arms.
    assert {tuple(d.context.items()) for d in held} == {tuple(d.context.items()) for d in sent} == {(("days", 3),)}
    assert {d.due_at for d in held} == {d.due_at for d in sent}, "held back 'would have gone' when sent ones go"
    with tenant_context(alpha.creator):
        assert Event.objects.filter(kind="nudge_held_back").count() == len(held)
        assert Event.objects.filter(kind="rule_fired").count() == len(sent)


def test_the_effect_on_a_known_history_compares_replies_within_48_hours(alpha, clock):
    from coaching.rule_reports import MIN_PER_ARM, rule_effect

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        rule = silence_rule(target_metric="sleep_hours")
        sent_at = local(1, 10)

        def firing(n: int, outcome: str, reply_after: timedelta | None, sleep: float | None = None):
            conversation = person_who_wrote(local(0, 9), name=f"P{outcome}{n}")
            RuleDecision.objects.create(
                rule=rule, contact=conversation.contact, trigger_key=f"k{n}", outcome=outcome,
                fired_at=sent_at, due_at=sent_at,
            )  # fmt: skip
            if reply_after is not None:
                MessageFactory(conversation=conversation, author="user", created_at=sent_at + reply_after)
            if sleep is not None:
                from coaching.models import Measurement

                Measurement.objects.create(contact=conversation.contact, metric="sleep_hours", value=sleep,
                                           recorded_at=sent_at + timedelta(days=1))  # fmt: skip

        # Sent: 18 of 30 reply within 48 h (3 more reply later, which does not count); held back: 6 of 30.
        for n in range(30):
            reply = timedelta(hours=5) if n < 18 else (timedelta(hours=60) if n < 21 else None)
            firing(n, "sent", reply, sleep=7.0 + (n % 3) * 0.5)
        for n in range(30):
            firing(n, "held_back", timedelta(hours=30) if n < 6 else None, sleep=6.0 + (n % 3) * 0.5)
        effect = rule_effect(rule, now=local(4, 10))
    assert (effect.sent.firings, effect.sent.replied, effect.held_back.firings, effect.held_back.replied) == (
        30, 18, 30, 6
    )  # fmt: skip
    assert effect.enough and MIN_PER_ARM <= 30
    assert effect.difference == pytest.approx(0.4)
    # Newcombe's hybrid score interval for 18/30 - 6/30 (see the next test for the published examples).
    assert (effect.low, effect.high) == (pytest.approx(0.1526, abs=5e-4), pytest.approx(0.5864, abs=5e-4))
    assert effect.metric_difference == pytest.approx(1.0), "a mean of 7.5 h after a nudge against 6.5 h"
    assert effect.metric_low > 0


def test_the_effect_says_when_there_is_not_enough_data_and_waits_48_hours_before_counting(
    alpha, clock, rules_drive, committed
):
    from coaching.rule_reports import rule_effect

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        conversation = person_who_wrote(local(0, 10))
        with committed():
            rule = silence_rule()
    rules_drive(local(2, 10, 5))
    with tenant_context(alpha.creator):
        early = rule_effect(rule, now=local(2, 12))
        assert (early.waiting, early.sent.firings, early.enough) == (1, 0, False), "no reply yet, but one may come"
        MessageFactory(conversation=conversation, author="user", created_at=local(2, 13))
        later = rule_effect(rule, now=local(2, 14))
        assert (later.sent.firings, later.sent.replied, later.enough, later.difference) == (1, 1, False, None)


def test_the_interval_stays_within_plus_and_minus_100_points_and_keeps_a_width_at_0_and_100_percent():
    from coaching.rule_reports import rate_difference

    # Newcombe (1998), Statistics in Medicine 17:873, table II, method 10.
    assert rate_difference(56, 70, 48, 80)[1:] == (pytest.approx(0.0524, abs=1e-4), pytest.approx(0.3339, abs=1e-4))
    assert rate_difference(9, 10, 3, 10)[1:] == (pytest.approx(0.1705, abs=1e-4), pytest.approx(0.8090, abs=1e-4))
    difference, low, high = rate_difference(1, 2, 0, 2)
    assert difference == 0.5 and -1 <= low < 0 < high <= 1
    difference, low, high = rate_difference(0, 25, 0, 25)
    assert difference == 0 and low < 0 < high, "no replies in either group is not 'exactly no effect'"
    difference, low, high = rate_difference(25, 25, 0, 25)
    assert difference == 1 and 0.7 < low < high == pytest.approx(1)


def test_the_dry_run_shows_what_then_happens(alpha, clock, rules_drive, committed):
    from coaching.services.enrollments import enrollment_create
    from coaching.services.programs import program_create, program_publish, step_add

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        program = program_create(name="Sleep")
        step_add(program=program, kind="check_in", day=1, at="08:00", text="Hours slept?", answer_type="number",
                 unit="h", metric="sleep_hours")  # fmt: skip
        step_add(program=program, kind="lesson", day=6, at="09:00", text="Lesson: a steady wake-up time.")
        program_publish(program=program)
        early = person_who_wrote(local(0, 10))
        late = person_who_wrote(local(0, 22, 40), name="Luis")
        gone = person_who_wrote(local(0, 11), name="Eva", opted_out_at=local(0, 12))
        enrolled = person_who_wrote(local(0, 8), name="Sara")
        clock.clock_set(local(0, 9))  # joined at 09:00: her silence counts from then, not from 08:00
        enrollment_create(program=program, contact=enrolled.contact, timezone="Europe/Madrid", source="hub")
        clock.clock_set(local(0, 10))
        with committed():
            silence = silence_rule(days=3)
            missed = rule_create(name="Missed", trigger="check_in_missed", action="fixed_message",
                                 message="Did you sleep?", holdout_percent=0, program=program)  # fmt: skip
        plan = {
            rule.name: [(row["contact"].display_name, row["at"], row["outcome"], row["reason"])
                        for row in rule_preview(rule, now=clock.now())]
            for rule in (silence, missed)
        }  # fmt: skip
    assert plan["Checking in"] == [
        ("Sara", local(3, 9), "would_send", ""),
        ("Ana García", local(3, 10), "would_send", ""),
        ("Eva", local(3, 11), "would_skip", "opted_out"),
        ("Luis", local(4, 8), "would_send", ""),
    ]
    assert plan["Missed"] == [("Sara", local(2, 8), "would_send", "")], "the check-in of day 1, 20 h unanswered"
    rules_drive(local(1, 8))  # the check-in goes (the scheduler ticks all day; the plan's moments are enough here)
    for moment in sorted({at for rows in plan.values() for _name, at, _o, _r in rows}):
        rules_drive(moment)
    with tenant_context(alpha.creator):
        happened = sorted(
            (d.rule.name, d.contact.display_name, d.due_at, d.outcome, d.reason)
            for d in RuleDecision.objects.select_related("rule", "contact")
        )
    expected = sorted(
        (rule, name, at, "sent" if outcome == "would_send" else "skipped", reason)
        for rule, rows in plan.items()
        for name, at, outcome, reason in rows
    )
    assert happened == expected
    assert early and late and gone


def sleep_program_with_goal():
    from coaching.services.programs import goal_add, program_create, program_publish, step_add

    program = program_create(name="Sleep better", description="Two weeks of better nights.")
    for day in range(1, 15):
        step_add(program=program, kind="check_in", day=day, at="08:00", text="Hours slept?", answer_type="number",
                 unit="h", metric="sleep_hours")  # fmt: skip
    goal_add(program=program, metric="sleep_hours", target=7, comparison="at_least", window_days=8, times=6)
    program_publish(program=program)
    return program


def measure(conversation, value: float, at: datetime):
    from coaching.models import Measurement

    return Measurement.objects.create(contact=conversation.contact, metric="sleep_hours", value=value, recorded_at=at)


def fired(rule) -> list[tuple[str, str]]:
    return sorted((d.contact.display_name, d.trigger_key.split(":")[0]) for d in rule.decisions.all())


def test_metric_triggers_fire_on_the_measurement_that_crosses_once_each(alpha, clock, committed):
    from coaching.services.rules import rules_evaluate

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        ana, luis, eva = (person_who_wrote(local(0, 9), name=name) for name in ("Ana", "Luis", "Eva"))
        below = silence_rule(name="Short night", trigger="metric_below", days=None, metric="sleep_hours", threshold=6)
        above = silence_rule(name="Long night", trigger="metric_above", days=None, metric="sleep_hours", threshold=9)
        falling = silence_rule(name="Falling", trigger="metric_falling", days=3, metric="sleep_hours")
        for day, (a, lu, e) in enumerate([(7, 8, 7), (6.5, 9.5, 7), (5.5, 8, 7)], start=1):
            measure(ana, a, local(day, 8))
            measure(luis, lu, local(day, 8))
            measure(eva, e, local(day, 8))
            rules_evaluate(now=local(day, 9))
            rules_evaluate(now=local(day, 10))  # looking twice fires nothing new
        assert fired(below) == [("Ana", "measurement")], "5.5 h is below 6; Luis's and Eva's nights are not"
        assert fired(above) == [("Luis", "measurement")], "9.5 h once; his 8 h after it fires nothing more"
        assert fired(falling) == [("Ana", "falling")], "7 → 6.5 → 5.5; Eva is flat"
        assert below.decisions.get().context == {"metric": "sleep_hours", "value": 5.5, "threshold": 6.0}


def test_a_goal_at_risk_a_streak_and_a_due_step_fire_for_the_right_people(alpha, clock, committed):
    from coaching.services.enrollments import enrollment_create
    from coaching.services.rules import rules_evaluate

    clock.clock_set(local(0, 7))
    with tenant_context(alpha.creator):
        program = sleep_program_with_goal()
        behind, on_track = person_who_wrote(local(0, 7), name="Ana"), person_who_wrote(local(0, 7), name="Luis")
        for conversation in (behind, on_track):
            enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid", source="hub")
        at_risk = silence_rule(name="Goal at risk", trigger="goal_at_risk", days=None, program=program)
        streak = silence_rule(name="Three days", trigger="streak_reached", days=3, metric="sleep_hours")
        step = silence_rule(name="Day 2 step", trigger="step_due", days=None, program=program, step_day=2)
        for day in (1, 2, 3):
            measure(on_track, 7.5, local(day, 8, 5))
            measure(behind, 5, local(day, 8, 5)) if day == 1 else None
            rules_evaluate(now=local(day, 9))
        assert fired(at_risk) == [("Ana", "goal")], "a quarter of the window gone, 0 of 6 met; Luis 3 of 6"
        assert fired(streak) == [("Luis", "streak")], "three days in a row; Ana measured once"
        assert fired(step) == [("Ana", "step"), ("Luis", "step")], "the day-2 step, once each"
        rules_evaluate(now=local(4, 9))
        assert len(fired(streak)) == 1, "a fourth day continues the same streak: not fired again"


def test_a_rule_can_tell_the_team_or_move_the_person_to_a_later_step(alpha, clock, rules_drive, committed):
    from coaching.models import StepSend
    from coaching.services.enrollments import enrollment_create
    from conversations.models import TeamNotification

    clock.clock_set(local(0, 7))
    with tenant_context(alpha.creator):
        program = sleep_program_with_goal()
        conversation = person_who_wrote(local(0, 7))
        enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid", source="hub")
        with committed():
            silence_rule(name="Tell us", days=2, action="notify_team", message="")
            silence_rule(name="Skip ahead", days=2, action="move_to_step", message="", program=program,
                         step_day=10)  # fmt: skip
    rules_drive(local(2, 7, 5))
    with tenant_context(alpha.creator):
        # The team and the program are not the person: they do not wait for waking hours.
        assert set(RuleDecision.objects.values_list("outcome", flat=True)) == {"sent"}, "acted at 07:05"
        notes = TeamNotification.objects.filter(kind="rule", contact=conversation.contact)
        assert notes.exists() and notes.first().conversation_id == conversation.pk
        sends = dict(StepSend.objects.values_list("step__day", "status"))
        assert [sends[day] for day in range(3, 10)] == ["skipped"] * 7, "days 3 to 9 skipped"
        assert sends[10] == "pending", "day 10's check-in is a message to the person: it waits for 08:00"
    rules_drive(local(2, 8))
    with tenant_context(alpha.creator):
        sends = dict(StepSend.objects.values_list("step__day", "status"))
        assert (sends[10], sends[11]) == ("sent", "pending")


def test_a_rule_scoped_to_tags_sees_only_those_people_and_another_creator_sees_none(alpha, beta, clock, committed):
    from coaching.services.rules import rules_evaluate
    from coaching.triggers import rule_targets

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        vip = person_who_wrote(local(0, 9), name="Ana", tags=["vip"])
        person_who_wrote(local(0, 9), name="Luis", tags=["trial"])
    with tenant_context(beta.creator):
        rule = silence_rule(tags=["vip"])
        everyone = silence_rule(name="Everyone")
        rules_evaluate(now=local(5, 10))
        assert RuleDecision.objects.count() == 0, "beta's rules never see alpha's people"
        assert list(rule_targets(everyone)) == []
    with tenant_context(alpha.creator):
        rule = silence_rule(tags=["vip"])
        rules_evaluate(now=local(5, 10))
        assert list(RuleDecision.objects.values_list("contact_id", flat=True)) == [vip.contact_id]
        assert rule.tags == ["vip"]


def test_erasing_a_person_erases_their_decisions(alpha, clock, rules_drive, committed):
    from conversations.services import contact_delete

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        conversation = person_who_wrote(local(0, 10))
        with committed():
            silence_rule()
    rules_drive(local(3, 10))
    with tenant_context(alpha.creator):
        assert RuleDecision.objects.filter(contact=conversation.contact).count() == 1
        contact_delete(contact=conversation.contact)
        assert RuleDecision.objects.count() == 0
        assert not Event.objects.filter(contact_id=conversation.contact_id).exists(), "their events go too"


def test_on_whatsapp_outside_the_24_hour_window_a_nudge_goes_as_the_rules_template(
    alpha, whatsapp, number, platform_for, jobs, committed, clock
):
    import time as wall

    import time_machine
    from django.utils import timezone

    from coaching.services.enrollments import sending_window_update
    from coaching.services.proactive import proactive_run_due
    from tests.conversations.outlets.conftest import PHONE_NUMBER_ID
    from tests.conversations.outlets.test_whatsapp import ANA

    whatsapp.add_template(PHONE_NUMBER_ID, "coach_nudge", "es")
    platform_for(alpha.creator).whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    jobs()
    later = timezone.now() + timedelta(hours=26)
    with tenant_context(alpha.creator):
        sending_window_update(start="00:00", end="23:59")
        silence_rule(days=1, message="¿Cómo vas?", whatsapp_template="coach_nudge", whatsapp_template_language="es")
    clock.clock_set(later)
    whatsapp.now = lambda: wall.time() + 26 * 3600
    with time_machine.travel(later, tick=False):
        with tenant_context(alpha.creator), committed():
            proactive_run_due()
        jobs()
        with tenant_context(alpha.creator):
            assert RuleDecision.objects.get().outcome == "sent"
    sent = whatsapp.sent_messages(PHONE_NUMBER_ID)[-1]
    assert sent["type"] == "template" and sent["template"]["name"] == "coach_nudge"
    assert sent["template"]["components"][0]["parameters"] == [{"type": "text", "text": "¿Cómo vas?"}]


def test_every_firing_not_held_back_counts_as_sent_in_the_effect_so_the_groups_stay_alike(alpha, clock):
    from coaching.rule_reports import rule_effect

    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        rule = silence_rule()
        at = local(1, 10)
        for n, (outcome, reason) in enumerate(
            [("sent", ""), ("cancelled", "wrote_first"), ("skipped", "daily_cap"), ("rejected", "rejected"),
             ("expired", "not_approved_in_time"), ("held_back", "holdout"), ("scheduled", "")]
        ):  # fmt: skip
            conversation = person_who_wrote(local(0, 9), name=f"P{n}")
            RuleDecision.objects.create(rule=rule, contact=conversation.contact, trigger_key="k", outcome=outcome,
                                        reason=reason, fired_at=at, due_at=at, decided_at=at)  # fmt: skip
        excluded = person_who_wrote(local(0, 9), name="Gone")
        RuleDecision.objects.create(rule=rule, contact=excluded.contact, trigger_key="k", outcome="skipped",
                                    reason="opted_out", fired_at=at, due_at=at, decided_at=at)  # fmt: skip
        effect = rule_effect(rule, now=local(5, 10))
    assert (effect.sent.firings, effect.held_back.firings, effect.waiting) == (5, 1, 1), (
        "sent, cancelled, capped, rejected and expired are the 'sent' group; the scheduled one waits; "
        "the person who opted out before the draw is in neither"
    )


def test_a_missed_check_in_fires_only_its_own_programs_rule(alpha, clock, rules_drive, committed):
    from coaching.services.enrollments import enrollment_create
    from coaching.services.programs import program_create, program_publish, step_add

    clock.clock_set(local(0, 7))
    with tenant_context(alpha.creator):
        programs = []
        for name, day in (("Sleep", 1), ("Water", 3)):
            program = program_create(name=name)
            step_add(program=program, kind="check_in", day=day, at="08:00", text=f"{name}?", answer_type="number",
                     metric=name.lower())  # fmt: skip
            step_add(program=program, kind="lesson", day=9, at="09:00", text="Later")
            program_publish(program=program)
            programs.append(program)
        conversation = person_who_wrote(local(0, 7))
        for program in programs:
            enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid", source="hub")
        with committed():
            water = rule_create(name="Water missed", trigger="check_in_missed", action="fixed_message",
                                message="Water?", holdout_percent=0, program=programs[1])  # fmt: skip
    for moment in (local(1, 8), local(2, 8), local(2, 9)):
        rules_drive(moment)
    with tenant_context(alpha.creator):
        assert water.decisions.count() == 0, "the Sleep check-in went unanswered, not the Water one"


def test_telling_the_team_still_happens_when_the_person_writes_first(alpha, clock, rules_drive, committed):
    clock.clock_set(local(0, 22))
    with tenant_context(alpha.creator):
        conversation = person_who_wrote(local(0, 22))
        with committed():
            silence_rule(name="Tell us", action="notify_team", message="", needs_approval=True)
            silence_rule(name="Nudge")
    rules_drive(local(2, 22, 5))
    with tenant_context(alpha.creator):
        turn_run(Turn(outlet="app", text="hola", contact=conversation.contact, conversation_id=str(conversation.pk)))
        outcomes = dict(RuleDecision.objects.values_list("rule__name", "outcome"))
    assert outcomes == {"Tell us": "sent", "Nudge": "cancelled"}, "the team was told at 22:05; the nudge not needed"
