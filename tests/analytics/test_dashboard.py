"""The hub's Analytics page on a known week (the one of tests/analytics/test_rollups.py, in Madrid):
each tile for a preset and a custom range, one outlet, a bad date explained on the page, the CSV's
exact rows, who may see it, another creator's own empty figures, and the page in Spanish."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from django_tenants.utils import tenant_context

from tests.analytics.test_rollups import history
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
# 23:45 on Sunday 25 October in Madrid (winter time): "today" is the 25th and every event has settled.
NOW = datetime(2026, 10, 25, 22, 45, tzinfo=UTC)
WEEK = "/hub/analytics/?from=2026-10-19&to=2026-10-25"


@pytest.fixture
def week(madrid, clock):
    clock.clock_set(NOW)
    with tenant_context(madrid.creator):
        history()
    return madrid


def tiles(response) -> dict[str, str]:
    assert response.status_code == 200
    page = response.content.decode()
    found = re.findall(r'data-testid="tile-([a-z_]+)">.*?<strong class="tile-value">(.*?)</strong>', page)
    return {key: html.unescape(value) for key, value in found}


def test_the_tiles_of_a_known_week_for_a_preset_and_for_custom_days(week):
    owner = client_for(week.creator, week.owner)
    expected = {
        "active_people": "3",
        "new_people": "2",
        "messages_in": "6",
        "messages_out": "4",
        "reply_time": "under 5 s",
        "check_in_rate": "75%",
        "takeovers": "1",
        "opt_outs": "1",
        "nudges": "1 / 1",
    }
    assert tiles(owner.get("/hub/analytics/?range=7d")) == expected, "the last 7 days end today, the 25th"
    response = owner.get(WEEK)
    assert tiles(response) == expected
    page = response.content.decode()
    assert "Nothing happened in these days yet." not in page
    assert 'id="analytics-charts"' in page and "chart.umd.js" in page and "compa/analytics.js" in page
    assert "From Oct. 19, 2026 to Oct. 25, 2026, in your time zone (Europe/Madrid)." in page, (
        "the range in words, in the creator's days"
    )
    assert "Team" in page and page.index("chart-days") < page.index("Team members by role")
    # One day only: the 21st holds Luis's message at 00:30 Madrid time (the 20th in UTC).
    day = tiles(owner.get("/hub/analytics/?from=2026-10-21&to=2026-10-21"))
    assert (day["active_people"], day["messages_in"], day["reply_time"]) == ("1", "1", "under 30 min")


def test_one_outlet(week):
    owner = client_for(week.creator, week.owner)
    response = owner.get(WEEK + "&outlet=telegram")
    figures = tiles(response)
    assert (figures["active_people"], figures["new_people"], figures["messages_in"], figures["messages_out"]) == (
        "1",
        "1",
        "2",
        "2",
    )
    assert (figures["takeovers"], figures["opt_outs"], figures["check_in_rate"], figures["nudges"]) == (
        "1",
        "1",
        "—",
        "0 / 0",
    )
    page = response.content.decode()
    assert '<option value="telegram" selected>' in page
    assert '<option value="whatsapp">' in page and '<option value="email">' not in page, "outlets in the data only"
    assert "outlet=telegram" in page, "the CSV links and presets keep the outlet"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-45&to=2026-10-25", "is not a date"),
        ("from=yesterday", "is not a date"),
        ("from=2026-10-25&to=2026-10-19", "The last day comes before the first day."),
        ("from=2024-01-01&to=2026-10-25", "Choose at most 366 days at a time."),
        ("range=forever", "There is no range with that name."),
        ("from=2026-10-19&to=2026-10-25&outlet=fax", "There is no outlet with that name."),
    ],
)
def test_a_bad_range_is_explained_and_the_page_still_shows(week, query, message):
    response = client_for(week.creator, week.owner).get(f"/hub/analytics/?{query}")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert 'data-testid="range-error"' in page and message in page
    if "outlet" not in query:
        assert "Showing the last 28 days instead." in page
        assert 'value="2026-09-28"' in page and 'value="2026-10-25"' in page, "the default range fills the form"
        assert tiles(response)["messages_in"] == "6"


def test_an_empty_range_shows_zeros_and_says_so(week):
    response = client_for(week.creator, week.owner).get("/hub/analytics/?from=2026-11-01&to=2026-11-03")
    figures = tiles(response)
    assert (figures["active_people"], figures["messages_in"], figures["reply_time"], figures["check_in_rate"]) == (
        "0",
        "0",
        "—",
        "—",
    )
    assert "Nothing happened in these days yet." in response.content.decode()
    charts = response.context["payload"]
    assert charts["days"]["datasets"][0]["data"] == [0, 0, 0]
    assert all(n == 0 for n in charts["answers"]["datasets"][0]["data"])


def test_the_csv_has_the_exact_rows(week):
    owner = client_for(week.creator, week.owner)
    response = owner.get("/hub/analytics/export.csv?from=2026-10-19&to=2026-10-25")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="analytics-days-2026-10-19-to-2026-10-25.csv"'
    assert response.content.decode().splitlines() == [
        "day,messages_in,messages_out,active_people",
        "2026-10-19,2,2,1",
        "2026-10-20,1,1,1",
        "2026-10-21,1,1,1",
        "2026-10-22,0,0,0",
        "2026-10-23,0,0,0",
        "2026-10-24,0,0,0",
        "2026-10-25,2,0,1",
    ]
    telegram = owner.get("/hub/analytics/export.csv?from=2026-10-19&to=2026-10-21&outlet=telegram")
    assert telegram["Content-Disposition"].endswith('-2026-10-21-telegram.csv"')
    assert telegram.content.decode().splitlines()[1:] == ["2026-10-19,0,0,0", "2026-10-20,1,1,1", "2026-10-21,1,1,1"]
    answers = owner.get("/hub/analytics/export.csv?table=answers&from=2026-10-19&to=2026-10-25")
    assert answers.content.decode().splitlines() == [
        "answer,answers",
        "grounded,1",
        "pinned,1",
        "unknown,1",
        "small_talk,0",
    ]
    assert owner.get("/hub/analytics/export.csv?from=2026-10-25&to=2026-10-19").status_code == 400
    assert owner.get("/hub/analytics/export.csv?table=secrets").status_code == 400


def test_an_analyst_sees_it_and_a_member_without_the_capability_does_not(week, outsider, monkeypatch):
    from tenants import roles

    analyst = client_for(week.creator, week.analyst)
    assert tiles(analyst.get(WEEK))["messages_in"] == "6"
    assert analyst.get("/hub/analytics/export.csv").status_code == 200
    monkeypatch.setitem(roles.ROLE_CAPABILITIES, roles.Role.ANALYST, frozenset())
    assert analyst.get(WEEK).status_code == 403
    assert analyst.get("/hub/analytics/export.csv").status_code == 403
    assert client_for(week.creator, outsider).get(WEEK).status_code == 403
    assert client_for(week.creator).get(WEEK).status_code == 302


def test_another_creator_sees_its_own_empty_figures(week, beta):
    response = client_for(beta.creator, beta.owner).get(WEEK)
    figures = tiles(response)
    assert (figures["active_people"], figures["messages_in"], figures["takeovers"]) == ("0", "0", "0")
    assert "Nothing happened in these days yet." in response.content.decode()
    csv_rows = client_for(beta.creator, beta.owner).get("/hub/analytics/export.csv?from=2026-10-19&to=2026-10-25")
    assert all(row.endswith(",0,0,0") for row in csv_rows.content.decode().splitlines()[1:])


def test_the_page_in_spanish(week):
    response = client_for(week.creator, week.owner).get(WEEK + "&outlet=telegram", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "19 de octubre de 2026" in page, "dates in Spanish"
    csv_rows = client_for(week.creator, week.owner).get(
        "/hub/analytics/export.csv?" + WEEK.split("?")[1], HTTP_ACCEPT_LANGUAGE="es"
    )
    assert csv_rows.content.decode().splitlines()[1] == "2026-10-19,2,2,1", "the CSV stays ISO dates and plain numbers"


def test_messages_with_no_outlet_are_named_in_the_outlet_chart(week):
    from analytics.models import Event
    from analytics.services import event_record

    with tenant_context(week.creator):
        event_record(Event.Kind.MESSAGE_IN, author="user", occurred_at=datetime(2026, 10, 22, 10, tzinfo=UTC))
    response = client_for(week.creator, week.owner).get(WEEK)
    outlets = response.context["payload"]["outlets"]
    assert dict(zip(outlets["labels"], outlets["datasets"][0]["data"], strict=True)) == {
        "Web widget": 4,
        "Telegram": 4,
        "WhatsApp": 2,
        "No outlet": 1,
    }
