"""A coach opens Analytics in headless Chromium: the charts are drawn (Chart.js, vendored, from this
host), the page logs no error and no request leaves the host; an empty range draws zeros and says
so; the CSV downloads."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import tenant_context

from tests.browser.test_signup_in_chromium import CHROMIUM, page  # noqa: F401 - the page fixture
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
CHARTS = ("days", "outlets", "authors", "answers")
ANA, LUIS = uuid.uuid4(), uuid.uuid4()
# How many pixels of each chart's canvas are painted (axes, bars, labels), and whether Chart.js holds it.
DRAWN = """(keys) => keys.map((key) => {
  const canvas = document.getElementById("chart-" + key);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  const chart = window.Chart.getChart(canvas);
  return {key, chart: !!chart, painted, bars: chart ? chart.data.datasets[0].data : []};
})"""


@pytest.fixture
def some_history(platform):
    """A few days of talk for alpha (committed: the live server reads it); taken away afterwards,
    with the rollups, which the next update counts again from the stream."""
    from analytics.models import DayCount, DayPerson, Event, RollupState
    from analytics.services import event_record
    from tenants import clock

    alpha = platform["alpha"]
    now = clock.now()
    with tenant_context(alpha.creator):
        for days_ago, contact, outlet in (
            (3, ANA, "web"),
            (2, ANA, "web"),
            (2, LUIS, "telegram"),
            (1, LUIS, "telegram"),
        ):
            when = now - timedelta(days=days_ago)
            event_record(Event.Kind.MESSAGE_IN, contact_id=contact, outlet=outlet, author="user", occurred_at=when)
            event_record(Event.Kind.MESSAGE_OUT, contact_id=contact, outlet=outlet, author="ai", value=3,
                         occurred_at=when + timedelta(seconds=3))  # fmt: skip
            event_record(Event.Kind.ANSWER_GROUNDED, contact_id=contact, outlet=outlet, occurred_at=when)
    yield alpha
    with tenant_context(alpha.creator):
        Event.objects.filter(contact_id__in=[ANA, LUIS]).delete()
        DayCount.objects.all().delete()
        DayPerson.objects.all().delete()
        RollupState.objects.all().delete()


def figures(alpha, outlet: str | None = None) -> dict[str, int]:
    """The default range's (the last 28 days) figures, as the page should show them."""
    from zoneinfo import ZoneInfo

    from analytics.reports.selectors import overview
    from tenants import clock

    with tenant_context(alpha.creator):
        today = clock.now().astimezone(ZoneInfo(alpha.creator.timezone or "UTC")).date()
        data = overview(start=today - timedelta(days=27), end=today, outlet=outlet)
    return {
        "messages_in": sum(day["messages_in"] for day in data["days"]),
        "active_people": data["active_people"],
        "grounded": data["answers"]["grounded"],
    }


def test_the_analytics_page_draws_its_charts_from_this_host_only(some_history, live_server, page):  # noqa: F811
    alpha = some_history
    port = live_server.url.rsplit(":", 1)[1]
    origin = f"http://alpha.localhost:{port}"
    errors: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));"""
    )

    page.goto(f"{origin}/accounts/login/?next=/hub/analytics/")
    page.fill("input[name=login]", alpha.coach.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{origin}/hub/analytics/")
    page.wait_for_function("() => window.Chart && window.Chart.getChart('chart-answers')")
    page.wait_for_timeout(600)  # the bars grow in (400 ms)

    week = figures(alpha)  # what the rollups say (other tests' events may be there too): at least ours
    assert week["messages_in"] >= 4 and week["active_people"] >= 2
    assert page.locator("[data-testid=tile-messages_in] .tile-value").inner_text() == str(week["messages_in"])
    assert page.locator("[data-testid=tile-active_people] .tile-value").inner_text() == str(week["active_people"])
    drawn = {chart["key"]: chart for chart in page.evaluate(DRAWN, list(CHARTS))}
    assert all(chart["chart"] and chart["painted"] > 500 for chart in drawn.values()), drawn
    assert sum(drawn["days"]["bars"]) == week["messages_in"] and drawn["answers"]["bars"][0] == week["grounded"]
    assert not page.locator("[data-testid=quiet]").count()

    # The numbers behind a chart open in place; the CSV downloads with its own name.
    page.locator("[data-testid=chart-outlets] summary").click()
    assert page.locator("[data-testid=table-outlets]").is_visible()
    with page.expect_download() as download:
        page.locator("[data-testid=csv-days]").click()
    assert download.value.suggested_filename.startswith("analytics-days-")

    # A preset keeps the outlet; a range with nothing in it draws zeros and says so.
    page.locator("select[name=outlet]").select_option("telegram")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**outlet=telegram**")
    page.wait_for_function("() => window.Chart && window.Chart.getChart('chart-days')")
    telegram = figures(alpha, "telegram")
    assert page.locator("[data-testid=tile-messages_in] .tile-value").inner_text() == str(telegram["messages_in"])
    page.goto(f"{origin}/hub/analytics/?from=2020-01-01&to=2020-01-07")
    page.wait_for_function("() => window.Chart && window.Chart.getChart('chart-answers')")
    assert page.get_by_text("Nothing happened in these days yet.").is_visible()
    empty = page.evaluate(DRAWN, list(CHARTS))
    assert all(chart["chart"] and chart["painted"] > 0 and not any(chart["bars"]) for chart in empty), empty

    assert errors == [], errors
    assert hosts == {f"alpha.localhost:{port}"}, hosts
