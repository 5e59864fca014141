"""The dashboard's figures, read from the rollups (analytics.reports.services keeps them), for a
range of the creator's own days and optionally one outlet."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from analytics.models import DayCount, DayPerson, Event
from analytics.reports.services import REPLY_BUCKETS

# The kinds of answer the coach gave, by the names the overview uses.
ANSWER_KINDS = {
    "grounded": Event.Kind.ANSWER_GROUNDED,
    "pinned": Event.Kind.ANSWER_PINNED,
    "unknown": Event.Kind.ANSWER_UNKNOWN,
    "small_talk": Event.Kind.ANSWER_SMALL_TALK,
}


def _counts(start: date, end: date, outlet: str | None) -> QuerySet[DayCount]:
    rows = DayCount.objects.filter(day__gte=start, day__lte=end)
    return rows.filter(outlet=outlet) if outlet else rows


def _totals(rows: QuerySet[DayCount]) -> dict[tuple[str, str], int]:
    """Every (kind, detail) summed in one read."""
    return {
        (kind, detail): n for kind, detail, n in rows.values_list("kind", "detail").annotate(n=Sum("count")).order_by()
    }


def _total(totals: dict[tuple[str, str], int], kind: str, detail: str | None = None) -> int:
    return sum(n for (k, d), n in totals.items() if k == kind and (detail is None or d == detail))


def median_reply_seconds(totals: dict[tuple[str, str], int]) -> float | None:
    """The median reply time, to the bucket it falls in (its upper edge; "under 5 s" is 5)."""
    buckets = {d: n for (k, d), n in totals.items() if k == Event.Kind.MESSAGE_OUT and d.startswith("reply")}
    total = sum(buckets.values())
    if not total:
        return None
    seen = 0
    for limit in REPLY_BUCKETS:
        seen += buckets.get(f"reply<{limit}", 0)
        if seen * 2 >= total:
            return float(limit)
    return None  # the median reply took over a week: no edge to give


def _active(start: date, end: date, outlet: str | None) -> tuple[dict[date, int], int]:
    """People who wrote, per day and over the whole range, in one scan (grouping sets)."""
    table = DayPerson._meta.db_table
    where, params = "day BETWEEN %s AND %s", [start, end]
    if outlet:
        where, params = where + " AND outlet = %s", [*params, outlet]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT day, count(DISTINCT contact_id) FROM {table} WHERE {where} "  # noqa: S608 - our table
            "GROUP BY GROUPING SETS ((day), ())",
            params,
        )
        rows = cursor.fetchall()
    by_day = {day: n for day, n in rows if day is not None}
    return by_day, next((n for day, n in rows if day is None), 0)


def overview(*, start: date, end: date, outlet: str | None = None) -> dict[str, Any]:
    rows = _counts(start, end, outlet)
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
    active_by_day, active_people = _active(start, end, outlet)
    totals = _totals(rows)
    check_ins = _total(totals, Event.Kind.STEP_SENT, "check_in")
    answered = _total(totals, Event.Kind.CHECK_IN_ANSWERED)
    return {
        "from": start,
        "to": end,
        "outlet": outlet or "",
        "active_people": active_people,
        "new_people": _total(totals, Event.Kind.CONTACT_CREATED),
        "messages_by_outlet": dict(sorted(by_outlet.items())),
        "messages_by_author": dict(sorted(by_author.items())),
        "answers": {name: _total(totals, kind) for name, kind in ANSWER_KINDS.items()},
        "takeovers": _total(totals, Event.Kind.TAKEOVER),
        "opt_outs": _total(totals, Event.Kind.OPTED_OUT),
        "check_ins_sent": check_ins,
        "check_in_response_rate": round(answered / check_ins, 4) if check_ins else None,
        "median_first_reply_seconds": median_reply_seconds(totals),
        "nudges": {
            "sent": _total(totals, Event.Kind.NUDGE_SENT),
            "held_back": _total(totals, Event.Kind.NUDGE_HELD_BACK),
        },
        "days": [
            {"day": day, "messages_in": v["in"], "messages_out": v["out"], "active_people": active_by_day.get(day, 0)}
            for day, v in sorted(by_day.items())
        ],
    }
