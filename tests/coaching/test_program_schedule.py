"""The coach speaks first: a program's steps reach each person at their own local time, once,
across a DST change, through the scheduler's tick; check-in answers become measurements and goal
progress; nothing goes to someone who paused, left or opted out."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from coaching.models import Enrollment, Measurement, Program, StepSend
from coaching.selectors import enrollment_progress
from coaching.services.enrollments import enrollment_create
from coaching.services.programs import goal_add, program_create, program_publish, step_add
from coaching.tasks import proactive_tick_now
from conversations.models import Message
from conversations.services.turns import Turn, turn_run
from tenants.models import CreatorWakeUp
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def local(day: int, hour: int, minute: int = 0, *, start=(2026, 10, 20)) -> datetime:
    return datetime(*start, hour, minute, tzinfo=MADRID) + timedelta(days=day)


@pytest.fixture
def drive(clock, jobs):
    """Move the clock to each minute given and run the scheduler's tick and the jobs it queues."""

    def at(moment: datetime) -> None:
        clock.clock_set(moment.astimezone(UTC))
        proactive_tick_now()
        jobs()

    return at


def sleep_program() -> Program:
    program = program_create(name="Sleep better in 14 days", description="Two weeks of better nights.")
    step_add(program=program, kind="message", day=0, at=None, text="Welcome! Two weeks of better sleep start now.")
    for day in range(1, 14):
        step_add(
            program=program,
            kind="check_in",
            day=day,
            at="08:00",
            text="How many hours did you sleep last night?",
            answer_type="number",
            unit="h",
            metric="sleep_hours",
        )
    step_add(program=program, kind="lesson", day=3, at="20:30", text="Lesson: keep the same wake-up time every day.")
    goal_add(program=program, metric="sleep_hours", target=7, comparison="at_least", window_days=7, times=5)
    program_publish(program=program)
    return program


def say(conversation, text: str) -> str:
    turn = turn_run(
        Turn(outlet=conversation.outlet, text=text, contact=conversation.contact, conversation_id=str(conversation.pk))
    )
    return turn.reply.text if turn.reply else ""


def coach_messages(conversation) -> list[tuple[datetime, str]]:
    """What the coach wrote first in this conversation, with when it went (by the product's clock)."""
    sent = dict(StepSend.objects.filter(message__conversation=conversation).values_list("message_id", "sent_at"))
    rows = conversation.messages.filter(author=Message.Author.AI, in_reply_to__isnull=True)
    return sorted((sent.get(m.pk), m.text) for m in rows)


def test_a_fourteen_day_program_reaches_the_person_at_their_local_times_across_a_dst_change(
    alpha, clock, drive, jobs, committed
):
    """Madrid leaves summer time on 25 October 2026: the 08:00 check-ins move from 06:00 to 07:00 UTC."""
    with tenant_context(alpha.creator):
        program = sleep_program()
        conversation = ConversationFactory(outlet="app")
        clock.clock_set(local(0, 9, 15).astimezone(UTC))
        with committed():
            enrollment = enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid")
    jobs()  # the "right away" welcome goes at once
    with tenant_context(alpha.creator):
        assert [text for _, text in coach_messages(conversation)] == ["Welcome! Two weeks of better sleep start now."]
    answers = {1: "about 7 and a half hours", 2: "6", 4: "siete y media", 5: "8h", 6: "7,5", 7: "no idea"}
    for day in range(1, 14):
        for hour, minute in ((7, 59), (8, 0), (8, 1), (20, 30), (23, 0)):
            drive(local(day, hour, minute))
            if (hour, minute) == (8, 1) and day in answers:
                with tenant_context(alpha.creator):
                    say(conversation, answers[day])
    with tenant_context(alpha.creator):
        sent = [(at.astimezone(MADRID), text) for at, text in coach_messages(conversation)]
        check_ins = [at for at, text in sent if text.startswith("How many hours")]
        assert len(check_ins) == 13, "one check-in a day, never twice"
        assert all((at.hour, at.minute) == (8, 0) for at in check_ins), "08:00 in Madrid, summer time or not"
        assert [at.astimezone(UTC).hour for at in check_ins[:4]] == [6, 6, 6, 6]
        assert [at.astimezone(UTC).hour for at in check_ins[5:]] == [7] * 8, "after the change, 07:00 UTC"
        lessons = [at for at, text in sent if text.startswith("Lesson")]
        assert [(at.day, at.hour, at.minute) for at in lessons] == [(23, 20, 30)]
        values = list(Measurement.objects.order_by("recorded_at").values_list("value", flat=True))
        assert values == [7.5, 6.0, 7.5, 8.0, 7.5], "answers in words become numbers; 'no idea' is never a number"
        enrollment.refresh_from_db()
        assert enrollment.status == Enrollment.Status.FINISHED
        progress = enrollment_progress(enrollment, now=clock.now())
        assert progress["steps_sent"] == progress["steps_total"] == 15
        goal = progress["goals"][0]
        # Only the last 7 days count for the goal: day 7 onwards had no numeric answer.
        assert (goal.met, goal.needed, goal.reached) == (0, 5, False)


def test_the_scheduler_wakes_only_creators_with_something_due_and_two_ticks_send_once(
    alpha, beta, clock, drive, jobs, committed
):
    with tenant_context(alpha.creator):
        program = sleep_program()
        conversation = ConversationFactory(outlet="app")
        clock.clock_set(local(0, 9).astimezone(UTC))
        with committed():
            enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid")
    jobs()
    wake = CreatorWakeUp.objects.get()
    assert wake.creator_id == alpha.creator.pk and wake.due_at == local(1, 8).astimezone(UTC)
    clock.clock_set(local(1, 8).astimezone(UTC))
    assert proactive_tick_now() == 1 and proactive_tick_now() == 1, "two schedulers both find alpha, not beta"
    jobs()
    with tenant_context(alpha.creator):
        assert len(coach_messages(conversation)) == 2, "the welcome and one check-in, not two"
        assert StepSend.objects.filter(status="sent").count() == 2
    assert CreatorWakeUp.objects.get().due_at == local(2, 8).astimezone(UTC)


def test_a_step_missed_while_the_scheduler_was_down_goes_once_when_it_returns_unless_its_window_passed(
    alpha, clock, drive
):
    with tenant_context(alpha.creator):
        program = sleep_program()
        conversation = ConversationFactory(outlet="app")
        clock.clock_set(local(0, 9).astimezone(UTC))
        enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid")
    drive(local(0, 9, 1))
    drive(local(1, 12, 30))  # down from 07:00 to 12:30: the 08:00 check-in goes late, once
    drive(local(3, 23, 59))  # down for two days: day 2 and 3 are past their window
    with tenant_context(alpha.creator):
        sends = {s.step.day: s for s in StepSend.objects.select_related("step").filter(step__kind="check_in")}
        assert sends[1].status == "sent" and sends[1].sent_at == local(1, 12, 30).astimezone(UTC)
        assert sends[2].status == "skipped" and "missed its sending window" in sends[2].reason
        assert sends[3].status == "skipped"
        assert len(coach_messages(conversation)) == 2


def test_quiet_hours_and_the_sending_window_hold_steps_back(alpha, clock, drive):
    with tenant_context(alpha.creator):
        program = program_create(name="Evenings")
        step_add(program=program, kind="message", day=1, at="06:30", text="Too early for the window")
        step_add(program=program, kind="message", day=1, at="12:00", text="During a siesta")
        program_publish(program=program)
        conversation = ConversationFactory(outlet="app")
        clock.clock_set(local(0, 10).astimezone(UTC))
        enrollment = enrollment_create(
            program=program, contact=conversation.contact, timezone="Europe/Madrid", quiet_hours=["11:30", "16:00"]
        )
        due = {s.step.text: s.due_at.astimezone(MADRID) for s in enrollment.sends.select_related("step")}
        assert due["Too early for the window"].time() == time(8, 0)
        assert due["During a siesta"].time() == time(16, 0)


def test_pause_resume_and_leave_by_message(alpha, clock, drive, jobs, committed):
    with tenant_context(alpha.creator):
        program = sleep_program()
        conversation = ConversationFactory(outlet="app")
        clock.clock_set(local(0, 9).astimezone(UTC))
        with committed():
            enrollment = enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid")
    jobs()
    with tenant_context(alpha.creator):
        assert "Paused" in say(conversation, "pausa")
        enrollment.refresh_from_db()
        assert enrollment.status == "paused"
    drive(local(1, 8))
    drive(local(2, 8))
    with tenant_context(alpha.creator):
        assert len(coach_messages(conversation)) == 1, "nothing while paused"
        clock.clock_set(local(2, 9).astimezone(UTC))
        assert "continues" in say(conversation, "resume")
    drive(local(2, 9, 1))
    drive(local(3, 8))
    with tenant_context(alpha.creator):
        sent = coach_messages(conversation)
        assert len(sent) == 2, "the program goes on where it stopped: day 1's check-in, two days later"
        assert sent[1][0] == local(3, 8).astimezone(UTC)
        assert "left" in say(conversation, "leave the program")
        assert StepSend.objects.filter(status="pending").count() == 0
        assert StepSend.objects.filter(status="cancelled").count() == 13, "12 check-ins and the lesson"


def test_nothing_goes_to_a_person_who_opted_out(alpha, clock, drive, jobs, committed):
    from django.utils import timezone

    with tenant_context(alpha.creator):
        program = sleep_program()
        conversation = ConversationFactory(outlet="app")
        clock.clock_set(local(0, 9).astimezone(UTC))
        with committed():
            enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid")
    jobs()
    with tenant_context(alpha.creator):
        type(conversation.contact).objects.filter(pk=conversation.contact.pk).update(opted_out_at=timezone.now())
    drive(local(1, 8))
    with tenant_context(alpha.creator):
        send = StepSend.objects.get(step__day=1)
        assert send.status == "skipped" and "asked for no messages" in send.reason
        assert len(coach_messages(conversation)) == 1


def test_a_creator_never_sends_another_creators_steps(alpha, beta, clock, drive, jobs, committed):
    with tenant_context(alpha.creator):
        program = sleep_program()
        conversation = ConversationFactory(outlet="app")
        clock.clock_set(local(0, 9).astimezone(UTC))
        with committed():
            enrollment_create(program=program, contact=conversation.contact, timezone="Europe/Madrid")
    jobs()
    with tenant_context(beta.creator):
        assert not Program.objects.exists() and not StepSend.objects.exists()
    drive(local(1, 8))
    with tenant_context(beta.creator):
        assert not Message.objects.exists()
    assert connection.schema_name == "public"


def test_joining_by_ones_own_hand_late_at_night_gets_the_right_away_step_at_once_in_the_app(
    alpha, clock, jobs, committed
):
    """The person pressed Join at 23:00: the right-away check-in answers that, in the app; the same
    program started by the team at 23:00 waits for the sending window."""
    from conversations.models import Contact

    with tenant_context(alpha.creator):
        program = sleep_program()
        joined_by_hand = Contact.objects.create(email="night@example.org")
        enrolled_by_team = ConversationFactory(outlet="app").contact
        clock.clock_set(local(0, 23).astimezone(UTC))
        with committed():
            enrollment_create(
                program=program, contact=joined_by_hand, timezone="Europe/Madrid", source="web", outlet="app"
            )
            enrollment_create(program=program, contact=enrolled_by_team, timezone="Europe/Madrid", source="hub")
    jobs()
    with tenant_context(alpha.creator):
        app = joined_by_hand.conversations.get()
        assert app.outlet == "app", "joining from the app opens the app conversation, not an email thread"
        assert [text for _, text in coach_messages(app)] == ["Welcome! Two weeks of better sleep start now."]
        team_send = StepSend.objects.get(enrollment__contact=enrolled_by_team, step__day=0)
        assert team_send.status == "pending" and team_send.due_at == local(1, 8).astimezone(UTC)
