"""What makes a rule fire, as reads: for one rule, every (person, trigger key) firing at or before
`until`. The engine asks with `until=now` and records a decision per new key; the dry run asks
with `until=now + 7 days` against the same data, which is why what it shows is what then happens
(as long as nobody writes, measures or joins in between).

A key names the thing that fired — the silence since a given message, one check-in, one
measurement, one goal in one enrollment, one streak, one step — so a trigger fires once however
often the engine looks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Q, QuerySet

from coaching.models import Enrollment, Goal, Measurement, ProgramStep, Rule, StepSend
from coaching.selectors import goal_progress
from conversations.models import Contact, Message

# Measurements older than this before a rule existed do not fire it (a new rule reacts to what
# happens now, not to last month).
LOOK_BACK = timedelta(days=7)


@dataclass
class Firing:
    contact: Contact
    key: str
    fires_at: datetime
    context: dict[str, Any] = field(default_factory=dict)


def rule_targets(rule: Rule, *, in_program: bool = True) -> QuerySet[Contact]:
    """The people a rule is about: in its program (active), carrying one of its tags, or both.
    `in_program=False` leaves the program to the caller (a trigger about one enrollment's rows)."""
    people = Contact.objects.all()
    if rule.program_id and in_program:
        people = people.filter(enrollments__program_id=rule.program_id, enrollments__status=Enrollment.Status.ACTIVE)
    if rule.tags:
        any_tag = Q()
        for tag in rule.tags:
            any_tag |= Q(tags__contains=[tag])
        people = people.filter(any_tag)
    return people.distinct()


def rule_firings(rule: Rule, *, now: datetime, until: datetime) -> list[Firing]:
    reader = {
        Rule.Trigger.NO_REPLY: _silent,
        Rule.Trigger.CHECK_IN_MISSED: _check_in_missed,
        Rule.Trigger.METRIC_BELOW: _metric_threshold,
        Rule.Trigger.METRIC_ABOVE: _metric_threshold,
        Rule.Trigger.METRIC_FALLING: _metric_falling,
        Rule.Trigger.GOAL_AT_RISK: _goal_at_risk,
        Rule.Trigger.STREAK_REACHED: _streak_reached,
        Rule.Trigger.STEP_DUE: _step_due,
    }[rule.trigger]
    firings = [f for f in reader(rule, now, until) if f.fires_at <= until]
    return sorted(firings, key=lambda f: (f.fires_at, str(f.contact.pk)))


def _silent(rule: Rule, now: datetime, until: datetime) -> list[Firing]:
    """Silent for `days`: counted from the person's last message or their last joining, whichever
    came later.
    Two grouped reads over the targeted people (a correlated subquery per person grew with the
    square of the people: 9 s at 10,000, bench/rules.py)."""
    days = timedelta(days=rule.days or 1)
    targets = rule_targets(rule).values("pk")
    joined = dict(
        Enrollment.objects.filter(contact__in=targets)
        .values("contact_id")
        .annotate(at=Max("enrolled_at"))
        .values_list("contact_id", "at")
    )
    wrote = dict(
        Message.objects.filter(conversation__contact__in=targets, author=Message.Author.USER)
        .values("conversation__contact_id")
        .annotate(at=Max("created_at"))
        .values_list("conversation__contact_id", "at")
    )
    # The later of the two: someone who chatted a month ago and joined today is not silent yet.
    since = {key: max(at for at in (joined.get(key), wrote.get(key)) if at) for key in joined.keys() | wrote.keys()}
    silent = {contact_id: at for contact_id, at in since.items() if at <= until - days}
    firings = []
    for person in _contacts(silent):
        at = silent[person.pk]
        fires_at = max(at + days, rule.created_at)
        # How long they have really been silent when it goes (the coach says so), not the threshold.
        context = {"days": (max(fires_at, now) - at).days}
        firings.append(Firing(person, f"silent:{at.isoformat()}", fires_at, context))
    return firings


def _contacts(ids: Any) -> list[Contact]:
    ids = list(ids)
    people: list[Contact] = []
    for start in range(0, len(ids), 5000):
        people += Contact.objects.filter(pk__in=ids[start : start + 5000])
    return people


def _check_in_missed(rule: Rule, now: datetime, until: datetime) -> list[Firing]:
    """A check-in still unanswered when the coach stops waiting for its answer. Ahead of now (the
    dry run), check-ins not yet sent count from when they are due."""
    wait = timedelta(hours=settings.CHECK_IN_ANSWER_HOURS)
    sends = StepSend.objects.filter(
        # A program's last check-in finishes it: still a check-in missed.
        Q(enrollment__status=Enrollment.Status.ACTIVE) | Q(enrollment__status=Enrollment.Status.FINISHED),
        step__kind=ProgramStep.Kind.CHECK_IN,
        enrollment__contact__in=rule_targets(rule, in_program=False),
        answered_at__isnull=True,
    ).select_related("enrollment__contact", "step")
    if rule.program_id:
        sends = sends.filter(enrollment__program_id=rule.program_id)
    sent = sends.filter(status=StepSend.Status.SENT, sent_at__lte=until - wait, sent_at__gte=rule.created_at - wait)
    firings = [
        Firing(s.enrollment.contact, f"check-in:{s.pk}", s.sent_at + wait, {"step_day": s.step.day}) for s in sent
    ]
    if until > now:
        ahead = sends.filter(status=StepSend.Status.PENDING, due_at__lte=until - wait)
        firings += [
            Firing(s.enrollment.contact, f"check-in:{s.pk}", max(s.due_at + wait, now), {"step_day": s.step.day})
            for s in ahead
        ]
    return firings


def _latest_measurements(rule: Rule, count: int, now: datetime) -> dict[Any, list[Measurement]]:
    """Each targeted person's latest `count` measurements of the rule's metric in the last four
    weeks, newest first."""
    rows = (
        Measurement.objects.filter(
            contact__in=rule_targets(rule),
            metric=rule.metric,
            recorded_at__gte=max(rule.created_at - LOOK_BACK, now - LOOK_BACK * 4),
        )
        .select_related("contact")
        .order_by("contact_id", "-recorded_at")
    )
    latest: dict[Any, list[Measurement]] = defaultdict(list)
    for row in rows:
        if len(latest[row.contact_id]) < count:
            latest[row.contact_id].append(row)
    return latest


def _metric_threshold(rule: Rule, now: datetime, until: datetime) -> list[Firing]:
    below = rule.trigger == Rule.Trigger.METRIC_BELOW
    firings = []
    for rows in _latest_measurements(rule, 1, now).values():
        row = rows[0]
        crossed = row.value < rule.threshold if below else row.value > rule.threshold
        if crossed and row.recorded_at >= rule.created_at - LOOK_BACK and row.recorded_at <= now:
            context = {"metric": rule.metric, "value": row.value, "threshold": rule.threshold}
            firings.append(Firing(row.contact, f"measurement:{row.pk}", max(row.recorded_at, rule.created_at), context))
    return firings


def _metric_falling(rule: Rule, now: datetime, until: datetime) -> list[Firing]:
    """Each of the last `days` measurements lower than the one before it."""
    count = max(rule.days or 3, 2)
    firings = []
    for rows in _latest_measurements(rule, count, now).values():
        falling = len(rows) == count and all(rows[i].value < rows[i + 1].value for i in range(count - 1))
        if falling and rows[0].recorded_at >= rule.created_at - LOOK_BACK and rows[0].recorded_at <= now:
            context = {"metric": rule.metric, "from": rows[-1].value, "to": rows[0].value, "count": count}
            at = max(rows[0].recorded_at, rule.created_at)
            firings.append(Firing(rows[0].contact, f"falling:{rows[0].pk}", at, context))
    return firings


def goal_at_risk(goal: Goal, enrollment: Enrollment, *, now: datetime) -> dict[str, Any] | None:
    """In the first window after joining, a goal is at risk once a quarter of the window has gone
    and the pace so far would end below the target (a latest-value goal: half the window gone and
    not reached). The context when at risk, else None."""
    window = timedelta(days=goal.window_days)
    elapsed = (now - enrollment.enrolled_at) / window
    if elapsed < 0.25 or elapsed >= 1:
        return None
    progress = goal_progress(goal, enrollment.contact, now=now)
    if progress.reached:
        return None
    if goal.times:
        projected = progress.met / elapsed
        if projected >= progress.needed:
            return None
    elif elapsed < 0.5:
        return None
    return {"metric": goal.metric, "met": progress.met, "needed": progress.needed, "elapsed": round(elapsed, 2)}


def _goal_at_risk(rule: Rule, now: datetime, until: datetime) -> list[Firing]:
    enrollments = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, contact__in=rule_targets(rule))
    if rule.program_id:
        enrollments = enrollments.filter(program_id=rule.program_id)
    firings = []
    for enrollment in enrollments.select_related("contact", "version").prefetch_related("version__goals"):
        for goal in enrollment.version.goals.all():
            if context := goal_at_risk(goal, enrollment, now=now):
                firings.append(Firing(enrollment.contact, f"goal:{goal.pk}:{enrollment.pk}", now, context))
    return firings


def streak_with_start(days: set[date], today: date) -> tuple[int, date | None]:
    """Consecutive days with a measurement up to today (or yesterday) and the day it began."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count, (day + timedelta(days=1)) if count else None


def _streak_reached(rule: Rule, now: datetime, until: datetime) -> list[Firing]:
    length = rule.days or 7
    recent = Measurement.objects.filter(metric=rule.metric, recorded_at__gte=now - timedelta(days=2))
    people = rule_targets(rule).filter(pk__in=recent.values("contact_id"))
    from coaching.selectors import contact_timezone

    firings = []
    for person in people:
        zone = ZoneInfo(contact_timezone(person))
        stamps = Measurement.objects.filter(
            contact=person, metric=rule.metric, recorded_at__lte=now, recorded_at__gte=now - timedelta(days=400)
        ).values_list("recorded_at", flat=True)
        count, start = streak_with_start({at.astimezone(zone).date() for at in stamps}, now.astimezone(zone).date())
        if count >= length:
            context = {"metric": rule.metric, "days": count}
            firings.append(Firing(person, f"streak:{rule.metric}:{length}:{start.isoformat()}", now, context))
    return firings


def _step_due(rule: Rule, now: datetime, until: datetime) -> list[Firing]:
    sends = StepSend.objects.filter(
        enrollment__status=Enrollment.Status.ACTIVE,
        enrollment__contact__in=rule_targets(rule),
        due_at__gte=rule.created_at,
        due_at__lte=until,
        status__in=[StepSend.Status.PENDING, StepSend.Status.SENDING, StepSend.Status.SENT],
    ).select_related("enrollment__contact", "step")
    if rule.program_id:
        sends = sends.filter(enrollment__program_id=rule.program_id)
    if rule.step_day is not None:
        sends = sends.filter(step__day=rule.step_day)
    return [
        Firing(s.enrollment.contact, f"step:{s.pk}", s.due_at, {"step_day": s.step.day, "kind": s.step.kind})
        for s in sends
    ]
