"""Reads about rules: what a rule would do over the next days (the dry run) and what it did (its
decisions and its measured effect: replies within 48 hours, sent against held back)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean, variance
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from coaching.models import Measurement, Rule, RuleDecision
from coaching.triggers import rule_firings
from conversations.models import Contact, Message

REPLY_WINDOW = timedelta(hours=48)
UNDECIDED = {"scheduled", "awaiting", "sending"}
METRIC_WINDOW = timedelta(days=7)
# Fewer firings than this in either arm and the page says there is not enough data yet.
MIN_PER_ARM = 20
Z_95 = 1.959964


def rule_decisions(rule: Rule) -> QuerySet[RuleDecision]:
    return RuleDecision.objects.filter(rule=rule).select_related("contact").order_by("-fired_at")


def contact_decisions(contact: Contact) -> QuerySet[RuleDecision]:
    return RuleDecision.objects.filter(contact=contact).select_related("rule").order_by("-fired_at")


def approvals_waiting() -> QuerySet[RuleDecision]:
    from tenants import clock

    waiting = RuleDecision.objects.filter(outcome=RuleDecision.Outcome.AWAITING_APPROVAL, expires_at__gt=clock.now())
    return waiting.select_related("rule", "contact").order_by("expires_at")


@dataclass(frozen=True)
class Arm:
    firings: int
    replied: int
    metric_values: tuple[float, ...]

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.firings if self.firings else None


@dataclass(frozen=True)
class Effect:
    sent: Arm
    held_back: Arm
    waiting: int  # firings less than 48 hours old, not counted yet
    enough: bool
    difference: float | None  # reply rate, sent minus held back
    low: float | None
    high: float | None
    metric: str
    metric_difference: float | None
    metric_low: float | None
    metric_high: float | None

    def as_dict(self) -> dict[str, Any]:
        def arm(a: Arm) -> dict[str, Any]:
            return {
                "firings": a.firings,
                "replied": a.replied,
                "reply_rate": a.reply_rate,
                "metric_mean": mean(a.metric_values) if a.metric_values else None,
                "metric_count": len(a.metric_values),
            }

        return {
            "sent": arm(self.sent),
            "held_back": arm(self.held_back),
            "waiting": self.waiting,
            "enough_data": self.enough,
            "minimum_per_group": MIN_PER_ARM,
            "reply_within_48h": {"difference": self.difference, "ci95": [self.low, self.high]},
            "metric": self.metric,
            "metric_change": {"difference": self.metric_difference, "ci95": [self.metric_low, self.metric_high]},
        }


def rule_effect(rule: Rule, *, now: datetime) -> Effect:
    """Reply within 48 hours of the moment a nudge went (or, held back, would have gone), for each
    arm, with the difference and its 95% interval (Newcombe's, from Wilson intervals); and the mean
    of the rule's target metric's first value in the 7 days after, likewise (Welch).

    Every firing not held back counts as sent — cancelled because the person wrote first, skipped
    at the day's cap, rejected or expired included — so the two groups stay alike, as the draw
    made them; only people left out before the draw (opted out, in crisis) are not counted."""
    replied = Message.objects.filter(
        conversation__contact=OuterRef("contact_id"),
        author=Message.Author.USER,
        created_at__gt=OuterRef("due_at"),
        created_at__lte=OuterRef("due_at") + REPLY_WINDOW,
    )
    excluded_at_firing = Q(outcome=RuleDecision.Outcome.SKIPPED, reason__in=["opted_out", "crisis"]) & Q(
        decided_at=F("fired_at")
    )
    rows = (
        RuleDecision.objects.filter(rule=rule)
        .exclude(excluded_at_firing)
        .annotate(replied=Exists(replied))
        .values("outcome", "replied", "due_at", "contact_id")
    )
    arms: dict[str, list[tuple[bool, Any]]] = {"sent": [], "held_back": []}
    waiting = 0
    for row in rows:
        undecided = row["outcome"] in UNDECIDED or row["due_at"] > now
        if undecided or (not row["replied"] and row["due_at"] > now - REPLY_WINDOW):
            waiting += 1  # not decided, or no reply yet but one may still come: not counted either way
            continue
        arm = "held_back" if row["outcome"] == RuleDecision.Outcome.HELD_BACK else "sent"
        arms[arm].append((row["replied"], row))
    values = _first_metrics(rule, [row for items in arms.values() for _replied, row in items], now)
    arms = {name: [(replied, values.get((row["contact_id"], row["due_at"]))) for replied, row in items]
            for name, items in arms.items()}  # fmt: skip
    sent, held = (_arm(arms["sent"]), _arm(arms["held_back"]))
    enough = sent.firings >= MIN_PER_ARM and held.firings >= MIN_PER_ARM
    difference = low = high = None
    if sent.firings and held.firings:
        difference, low, high = rate_difference(sent.replied, sent.firings, held.replied, held.firings)
    m_diff = m_low = m_high = None
    if len(sent.metric_values) >= 2 and len(held.metric_values) >= 2:
        m_diff = mean(sent.metric_values) - mean(held.metric_values)
        spread = Z_95 * math.sqrt(
            variance(sent.metric_values) / len(sent.metric_values)
            + variance(held.metric_values) / len(held.metric_values)
        )
        m_low, m_high = m_diff - spread, m_diff + spread
    return Effect(sent, held, waiting, enough, difference, low, high, rule.target_metric, m_diff, m_low, m_high)


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95%): inside [0, 1], sensible at 0% and 100%."""
    p = successes / trials
    centre = (p + Z_95**2 / (2 * trials)) / (1 + Z_95**2 / trials)
    half = Z_95 * math.sqrt(p * (1 - p) / trials + Z_95**2 / (4 * trials**2)) / (1 + Z_95**2 / trials)
    return centre - half, centre + half


def rate_difference(r1: int, n1: int, r0: int, n0: int) -> tuple[float, float, float]:
    """p1 - p0 with Newcombe's hybrid score interval (95%, from two Wilson intervals): it stays
    within [-1, 1] and keeps a width when a rate is 0% or 100%, where the normal one does not."""
    p1, p0 = r1 / n1, r0 / n0
    (l1, u1), (l0, u0) = wilson(r1, n1), wilson(r0, n0)
    difference = p1 - p0
    return (
        difference,
        difference - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
        difference + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
    )


def _arm(items: list[tuple[bool, float | None]]) -> Arm:
    values = tuple(value for _replied, value in items if value is not None)
    return Arm(len(items), sum(1 for replied, _value in items if replied), values)


def _first_metrics(rule: Rule, rows: list[dict[str, Any]], now: datetime) -> dict[tuple[Any, Any], float]:
    """For each firing, the target metric's first value in the 7 days after it: one read."""
    if not rule.target_metric or not rows:
        return {}
    start = min(row["due_at"] for row in rows)
    by_person: dict[Any, list[tuple[datetime, float]]] = {}
    for contact_id, at, value in (
        Measurement.objects.filter(
            contact_id__in={row["contact_id"] for row in rows},
            metric=rule.target_metric,
            recorded_at__gt=start,
            recorded_at__lte=now,
        )
        .order_by("recorded_at")
        .values_list("contact_id", "recorded_at", "value")
    ):
        by_person.setdefault(contact_id, []).append((at, value))
    found = {}
    for row in rows:
        after, until = row["due_at"], min(row["due_at"] + METRIC_WINDOW, now)
        for at, value in by_person.get(row["contact_id"], []):
            if after < at <= until:
                found[(row["contact_id"], row["due_at"])] = value
                break
    return found


def rule_preview(rule: Rule, *, now: datetime, days: int = 7) -> list[dict[str, Any]]:
    """What the engine would do over the next `days` if nobody wrote, measured or joined: each
    firing not decided yet, with when it would go (or why it would not). The holdout is random:
    the share it would hold back is the rule's, which of these is not known in advance."""
    from coaching.selectors import SendingTimes

    firings = rule_firings(rule, now=now, until=now + timedelta(days=days))
    decided = set(
        RuleDecision.objects.filter(rule=rule, contact_id__in={f.contact.pk for f in firings}).values_list(
            "contact_id", "trigger_key"
        )
    )
    firings = [f for f in firings if (f.contact.pk, f.key) not in decided]
    people = list({f.contact.pk: f.contact for f in firings}.values())
    times = SendingTimes(people)
    today = times.sent_on_day(people, now)
    per_day: dict[tuple[Any, Any], int] = {}
    rows = []
    for firing in firings:
        contact = firing.contact
        at = times.fit(contact, max(firing.fires_at, now))
        outcome, reason = "would_send", ""
        if rule.writes_message and contact.opted_out_at is not None:
            outcome, reason = "would_skip", "opted_out"
        elif rule.writes_message and contact.crisis_at is not None:
            outcome, reason = "would_skip", "crisis"
        elif rule.writes_message:
            zone = ZoneInfo(times.zone(contact))
            day = at.astimezone(zone).date()
            key = (contact.pk, day)
            if key not in per_day:
                per_day[key] = today.get(contact.pk, 0) if day == now.astimezone(zone).date() else 0
            if per_day[key] >= times.daily_cap:
                outcome, reason = "would_skip", "daily_cap"
            else:
                per_day[key] += 1
        rows.append(
            {
                "contact": contact,
                "trigger_key": firing.key,
                "fires_at": firing.fires_at,
                "at": at,
                "outcome": outcome,
                "reason": reason,
                "context": firing.context,
                "needs_approval": rule.needs_approval and rule.writes_message,
            }
        )
    return sorted(rows, key=lambda row: (row["at"], str(row["contact"].pk)))


def reason_label(code: str) -> str:
    """A decision's reason code in words, in the active language."""
    from django.utils.translation import gettext as _

    return {
        "holdout": _("Held back at random to measure the rule's effect"),
        "opted_out": _("The person asked for no messages the coach starts"),
        "crisis": _("The person may be in crisis: the team looks after them"),
        "daily_cap": _("The person already had the day's messages from the coach"),
        "wrote_first": _("The person wrote first"),
        "unreachable": _("No outlet could reach the person"),
        "rule_disabled": _("The rule was turned off"),
        "not_approved_in_time": _("Nobody approved it in time"),
        "approved": _("Approved"),
        "approved_edited": _("Approved with changes"),
        "edited": _("Edited by the team, waiting for approval"),
        "rejected": _("Rejected by the team"),
    }.get(code, code)
