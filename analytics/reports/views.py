"""The hub's Analytics page and its CSV: a range of the creator's own days (a preset, or from/to in
their timezone) and optionally one outlet. Figures come from the rollups (brought up to date first);
the charts are drawn by static/compa/analytics.js from a json_script payload, and each has its
numbers as a table on the page and as a CSV."""

from __future__ import annotations

import calendar
import csv
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from analytics.models import DayCount
from analytics.reports.selectors import overview as figures_for
from analytics.reports.services import rollups_update
from analytics.selectors import creator_overview
from tenants import clock
from tenants.hub import hub_view
from tenants.roles import Capability

MAX_DAYS = 366
DEFAULT_PRESET = "28d"
PRESETS = {
    "7d": gettext_lazy("Last 7 days"),
    "28d": gettext_lazy("Last 28 days"),
    "month": gettext_lazy("This month"),
    "3m": gettext_lazy("Last 3 months"),
}
OUTLETS = {
    "web": gettext_lazy("Web widget"),
    "app": gettext_lazy("App"),
    "api": gettext_lazy("API"),
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "email": gettext_lazy("Email"),
}
# The outlets chart also names messages that came with no outlet (the selector calls them "unknown").
OUTLET_LABELS = {**OUTLETS, "unknown": gettext_lazy("No outlet")}
AUTHORS = {
    "user": gettext_lazy("People"),
    "ai": gettext_lazy("AI coach"),
    "human": gettext_lazy("Team"),
    "system": gettext_lazy("System"),
}
ANSWERS = {
    "grounded": gettext_lazy("From your material"),
    "pinned": gettext_lazy("Pinned answers"),
    "unknown": gettext_lazy("“I don't know”"),
    "small_talk": gettext_lazy("Small talk"),
}
TABLES = ("days", "outlets", "authors", "answers")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    outlet: str = ""
    preset: str = ""
    error: str = ""


def creator_today(request: HttpRequest) -> date:
    zone = getattr(request.tenant, "timezone", "") or "UTC"  # type: ignore[attr-defined]
    return clock.now().astimezone(ZoneInfo(zone)).date()


def months_back(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def preset_range(name: str, today: date) -> tuple[date, date]:
    starts = {
        "7d": today - timedelta(days=6),
        "28d": today - timedelta(days=27),
        "month": today.replace(day=1),
        "3m": months_back(today, 3) + timedelta(days=1),
    }
    return starts[name], today


def parse_day(value: str) -> date:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(gettext("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": value}) from None


def custom_range(query: QueryDict, today: date) -> tuple[date, date]:
    if not query.get("from"):
        raise ValueError(gettext("Choose the first day of the range."))
    start = parse_day(query["from"])
    end = parse_day(query["to"]) if query.get("to") else today
    if end < start:
        raise ValueError(gettext("The last day comes before the first day."))
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError(gettext("Choose at most %(days)d days at a time.") % {"days": MAX_DAYS})
    return start, end


def period_from(query: QueryDict, today: date) -> Period:
    """The range and outlet a query asks for; a query that makes no sense gets the default range
    and says why (never an error page)."""
    outlet, errors = query.get("outlet", ""), []
    if outlet not in ("", *OUTLETS):
        outlet, errors = "", [gettext("There is no outlet with that name.")]
    preset = query.get("range", "")
    if preset in PRESETS:
        return Period(*preset_range(preset, today), outlet, preset, " ".join(errors))
    if query.get("from") or query.get("to"):
        try:
            return Period(*custom_range(query, today), outlet, "", " ".join(errors))
        except ValueError as error:
            errors.append(str(error))
    elif preset:
        errors.append(gettext("There is no range with that name."))
    if errors:
        errors.append(gettext("Showing the last 28 days instead."))
    return Period(*preset_range(DEFAULT_PRESET, today), outlet, DEFAULT_PRESET, " ".join(errors))


def reply_words(seconds: float | None) -> str:
    """The median reply time as the bucket it fell in: "under 5 s", "under 1 min"…"""
    if seconds is None:
        return "—"
    n = int(seconds)
    if n < 60:
        return gettext("under %(n)d s") % {"n": n}
    if n < 3600:
        return gettext("under %(n)d min") % {"n": n // 60}
    if n < 86_400:
        return gettext("under %(n)d h") % {"n": n // 3600}
    return ngettext("under %(n)d day", "under %(n)d days", n // 86_400) % {"n": n // 86_400}


def tiles(data: dict[str, Any]) -> list[dict[str, Any]]:
    rate, sent = data["check_in_response_rate"], data["check_ins_sent"]
    percent = "—" if rate is None else gettext("%(n)s%%") % {"n": number_format(rate * 100, 0)}
    nudges = data["nudges"]
    return [
        {"key": "active_people", "label": gettext("Active people"), "value": data["active_people"]},
        {"key": "new_people", "label": gettext("New people"), "value": data["new_people"]},
        {"key": "messages_in", "label": gettext("Messages in"), "value": sum(d["messages_in"] for d in data["days"])},
        {
            "key": "messages_out",
            "label": gettext("Messages out"),
            "value": sum(d["messages_out"] for d in data["days"]),
        },
        {
            "key": "reply_time",
            "label": gettext("Median first reply"),
            "value": reply_words(data["median_first_reply_seconds"]),
        },
        {
            "key": "check_in_rate",
            "label": gettext("Check-ins answered"),
            "value": percent,
            "note": ngettext("of %(n)d sent", "of %(n)d sent", sent) % {"n": sent},
        },
        {"key": "takeovers", "label": gettext("Takeovers by the team"), "value": data["takeovers"]},
        {"key": "opt_outs", "label": gettext("Opt-outs"), "value": data["opt_outs"]},
        {
            "key": "nudges",
            "label": gettext("Nudges sent / held back"),
            "value": f"{nudges['sent']} / {nudges['held_back']}",
        },
    ]


def outlets_present() -> list[str]:
    """The outlets the creator's data mentions (for the filter), in the usual order."""
    present = set(DayCount.objects.exclude(outlet="").order_by().values_list("outlet", flat=True).distinct())
    return [name for name in OUTLETS if name in present]


def table(names: dict[str, Any], counts: dict[str, int], keep: list[str] | None = None) -> list[tuple[str, int]]:
    """(label, count) for every known name (or those in `keep`), then any others counted."""
    keys = [*(keep if keep is not None else names), *counts]
    return [(str(names.get(key, key)), counts.get(key, 0)) for key in dict.fromkeys(keys)]


def chart(title: str, head: str, labels: list[str], series: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A chart's labels and series (the script's payload) and the same numbers as table rows."""
    days = extra.get("days")
    rows = [
        {"label": label, "day": days[i] if days else None, "values": [s["data"][i] for s in series]}
        for i, label in enumerate(labels)
    ]
    return {
        "title": title,
        "head": head,
        "labels": labels,
        "datasets": series,
        "rows": rows,
        "horizontal": extra.get("horizontal", False),
    }


def count_chart(title: str, head: str, label: str, rows: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    return chart(title, head, [row[0] for row in rows], [{"label": label, "data": [row[1] for row in rows]}], **extra)


def charts(data: dict[str, Any], outlets: list[str]) -> dict[str, dict[str, Any]]:
    days = data["days"]
    outlets = [data["outlet"]] if data["outlet"] else (outlets or list(OUTLETS))
    series = [
        {"label": gettext("Messages in"), "data": [d["messages_in"] for d in days]},
        {"label": gettext("Messages out"), "data": [d["messages_out"] for d in days]},
        {
            "label": gettext("Active people"),
            "data": [d["active_people"] for d in days],
            "type": "line",
            "axis": "people",
        },
    ]
    messages = gettext("Messages")
    return {
        "days": chart(
            gettext("Messages and active people per day"),
            gettext("Day"),
            [date_format(d["day"], "MONTH_DAY_FORMAT") for d in days],
            series,
            days=[d["day"] for d in days],
        ),
        "outlets": count_chart(
            gettext("Messages by outlet"),
            gettext("Outlet"),
            messages,
            table(OUTLET_LABELS, data["messages_by_outlet"], outlets),
        ),
        "authors": count_chart(
            gettext("Messages by author"), gettext("Written by"), messages, table(AUTHORS, data["messages_by_author"])
        ),
        "answers": count_chart(
            gettext("The coach's answers"),
            gettext("Answer"),
            gettext("Answers"),
            table(ANSWERS, data["answers"]),
            horizontal=True,
        ),
    }


def quiet(data: dict[str, Any]) -> bool:
    """Nothing at all happened in the range."""
    counts = [data["new_people"], data["takeovers"], data["opt_outs"], data["check_ins_sent"]]
    counts += [*data["messages_by_outlet"].values(), *data["answers"].values(), *data["nudges"].values()]
    return not any(counts) and not data["active_people"]


@hub_view(Capability.VIEW_ANALYTICS)
def overview(request: HttpRequest) -> HttpResponse:
    period = period_from(request.GET, creator_today(request))
    rollups_update(reading=True)
    data = figures_for(start=period.start, end=period.end, outlet=period.outlet or None)
    present = outlets_present()
    drawn = charts(data, present)
    context = {
        "period": period,
        "presets": PRESETS,
        "outlet_label": OUTLETS.get(period.outlet, ""),
        "outlets": [(name, OUTLETS[name]) for name in dict.fromkeys([*present, *filter(None, [period.outlet])])],
        "tiles": tiles(data),
        "charts": drawn,
        "payload": {key: {k: c[k] for k in ("labels", "datasets", "horizontal")} for key, c in drawn.items()},
        "quiet": quiet(data),
        "overview": creator_overview(creator=request.tenant),
        **unanswered_for(request, period),
    }
    return render(request, "analytics/overview.html", context)


def unanswered_for(request: HttpRequest, period: Any) -> dict[str, Any]:
    """The questions the coach could not answer, for members who read conversations (they are
    people's own words), with forms to pin an answer or write a note for members who edit content."""
    membership = request.membership  # type: ignore[attr-defined]
    if not membership.can(Capability.ANSWER_CONVERSATIONS):
        return {}
    from analytics.reports.unanswered import unanswered_clusters

    try:
        groups = unanswered_clusters(start=period.start, end=period.end, zone=request.tenant.timezone or "UTC")
    except Exception:  # the embedding model failing must not take the dashboard down
        logger.warning("the unanswered questions could not be grouped", exc_info=True)
        return {"unanswered_error": True, "show_unanswered": True}
    return {"unanswered": groups[:20], "show_unanswered": True, "can_edit": membership.can(Capability.EDIT_CONTENT)}


def csv_rows(name: str, data: dict[str, Any]) -> list[list[Any]]:
    """A table's rows for the CSV: a header of plain names, then ISO dates, names and numbers."""
    if name == "days":
        head = ["day", "messages_in", "messages_out", "active_people"]
        return [
            head,
            *([d["day"].isoformat(), d["messages_in"], d["messages_out"], d["active_people"]] for d in data["days"]),
        ]
    head, counts = {
        "outlets": (["outlet", "messages"], data["messages_by_outlet"]),
        "authors": (["author", "messages"], data["messages_by_author"]),
        "answers": (["answer", "answers"], data["answers"]),
    }[name]
    return [head, *([key, n] for key, n in counts.items())]


@hub_view(Capability.VIEW_ANALYTICS)
def export_csv(request: HttpRequest) -> HttpResponse:
    """One chart's numbers (`table`: days, the default, outlets, authors or answers) for the range."""
    period, name = period_from(request.GET, creator_today(request)), request.GET.get("table", "days")
    if period.error or name not in TABLES:
        message = period.error or gettext("There is no table with that name.")
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    rollups_update(reading=True)
    data = figures_for(start=period.start, end=period.end, outlet=period.outlet or None)
    outlet = f"-{period.outlet}" if period.outlet else ""
    filename = f"analytics-{name}-{period.start.isoformat()}-to-{period.end.isoformat()}{outlet}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response, lineterminator="\n").writerows(csv_rows(name, data))
    return response
