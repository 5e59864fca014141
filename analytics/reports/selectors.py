"""The dashboard's figures, read from the rollups (analytics.reports.services keeps them), for a
range of the creator's own days and optionally one outlet."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from analytics.models import DayCount, DayPerson, Event
from analytics.reports.services import REPLY_BUCKETS

# Kinds that are messages: one the person sent, one the coach or team sent.
ANSWER_KINDS = {
    "grounded": Event.Kind.ANSWER_GROUNDED,
    "pinned": Event.Kind.ANSWER_PINNED,
    "unknown": Event.Kind.ANSWER_UNKNOWN,
    "small_talk": Event.Kind.ANSWER_SMALL_TALK,
}


def _counts(start: date, end: date, outlet: str | None) -> QuerySet[DayCount]:
    rows = DayCount.objects.filter(day__gte=start, day__lte=end)
    return rows.filter(outlet=outlet) if outlet else rows


def _total(rows: QuerySet[DayCount], kind: str, **extra: str) -> int:
    return rows.filter(kind=kind, **extra).aggregate(n=Sum("count"))["n"] or 0


def median_reply_seconds(rows: QuerySet[DayCount]) -> float | None:
    """The median reply time, to the bucket it falls in (its upper edge; "under 5 s" is 5)."""
    buckets = dict(
        rows.filter(kind=Event.Kind.MESSAGE_OUT, detail__startswith="reply")
        .values_list("detail")
        .annotate(n=Sum("count"))
        .order_by()
    )
    total = sum(buckets.values())
    if not total:
        return None
    seen = 0
    for limit in REPLY_BUCKETS:
        seen += buckets.get(f"reply<{limit}", 0)
        if seen * 2 >= total:
            return float(limit)
    return float(REPLY_BUCKETS[-1])


def overview(*, start: date, end: date, outlet: str | None = None) -> dict[str, Any]:
    rows = _counts(start, end, outlet)
    people = DayPerson.objects.filter(day__gte=start, day__lte=end)
    if outlet:
        people = people.filter(outlet=outlet)
    by_outlet: dict[str, int] = defaultdict(int)
    by_author: dict[str, int] = defaultdict(int)
    by_day: dict[date, dict[str, int]] = {
        start + timedelta(days=n): {"in": 0, "out": 0} for n in range((end - start).days + 1)
    }
    for day, kind, out_outlet, author, count in rows.filter(
        Q(kind=Event.Kind.MESSAGE_IN) | Q(kind=Event.Kind.MESSAGE_OUT)
    ).values_list("day", "kind", "outlet", "author", "count"):
        by_outlet[out_outlet or "unknown"] += count
        by_author["user" if kind == Event.Kind.MESSAGE_IN else (author or "system")] += count
        by_day[day]["in" if kind == Event.Kind.MESSAGE_IN else "out"] += count
    active_by_day = dict(people.values_list("day").annotate(n=Count("contact_id", distinct=True)).order_by())
    check_ins = _total(rows, Event.Kind.STEP_SENT, detail="check_in")
    answered = _total(rows, Event.Kind.CHECK_IN_ANSWERED)
    return {
        "from": start,
        "to": end,
        "outlet": outlet or "",
        "active_people": people.values("contact_id").distinct().count(),
        "new_people": _total(rows, Event.Kind.CONTACT_CREATED),
        "messages_by_outlet": dict(sorted(by_outlet.items())),
        "messages_by_author": dict(sorted(by_author.items())),
        "answers": {name: _total(rows, kind) for name, kind in ANSWER_KINDS.items()},
        "takeovers": _total(rows, Event.Kind.TAKEOVER),
        "opt_outs": _total(rows, Event.Kind.OPTED_OUT),
        "check_ins_sent": check_ins,
        "check_in_response_rate": round(answered / check_ins, 4) if check_ins else None,
        "median_first_reply_seconds": median_reply_seconds(rows),
        "nudges": {
            "sent": _total(rows, Event.Kind.NUDGE_SENT),
            "held_back": _total(rows, Event.Kind.NUDGE_HELD_BACK),
        },
        "days": [
            {"day": day, "messages_in": v["in"], "messages_out": v["out"], "active_people": active_by_day.get(day, 0)}
            for day, v in sorted(by_day.items())
        ],
    }
