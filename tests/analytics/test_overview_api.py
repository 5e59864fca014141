"""GET /api/v1/analytics/overview: the figures for a range of the creator's days (and one outlet),
as JSON or CSV; bad ranges are 400s that say why; one creator never sees another's figures."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from tests.analytics.test_rollups import LATER, history
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/overview"


def api(team, role: str = "analyst") -> Client:
    client = Client(**host(team.creator))
    client.defaults.update(bearer(team.member(role), team.creator))
    return client


def test_the_week_as_json_keeps_the_team_figures_and_adds_the_conversations(madrid, clock):
    clock.clock_set(LATER)
    with tenant_context(madrid.creator):
        history()
    body = api(madrid).get(URL, {"from": "2026-10-19", "to": "2026-10-25"}).json()
    assert body["members"] == 3 and "members_by_role" in body and "open_invitations" in body
    assert (body["from"], body["to"], body["active_people"], body["new_people"]) == (
        "2026-10-19", "2026-10-25", 3, 2
    )  # fmt: skip
    assert body["messages_by_outlet"] == {"telegram": 4, "web": 4, "whatsapp": 2}
    assert body["answers"] == {"grounded": 1, "pinned": 1, "unknown": 1, "small_talk": 0}
    assert (body["check_in_response_rate"], body["median_first_reply_seconds"]) == (0.75, 5.0)
    assert [day["messages_in"] for day in body["days"]] == [2, 1, 1, 0, 0, 0, 2]
    telegram = api(madrid).get(URL, {"from": "2026-10-19", "to": "2026-10-25", "outlet": "telegram"}).json()
    assert telegram["messages_by_outlet"] == {"telegram": 4}


def test_the_days_as_csv_by_format_or_accept(madrid, clock):
    clock.clock_set(LATER)
    with tenant_context(madrid.creator):
        history()
    for response in (
        api(madrid).get(URL, {"from": "2026-10-19", "to": "2026-10-21", "format": "csv"}),
        api(madrid).get(URL, {"from": "2026-10-19", "to": "2026-10-21"}, HTTP_ACCEPT="text/csv"),
    ):
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert 'filename="analytics-2026-10-19-2026-10-21.csv"' in response["Content-Disposition"]
        assert response.content.decode().splitlines() == [
            "day,messages_in,messages_out,active_people",
            "2026-10-19,2,2,1",
            "2026-10-20,1,1,1",
            "2026-10-21,1,1,1",
        ]


def test_the_default_range_is_the_last_28_of_the_creators_days(madrid, clock):
    clock.clock_set(LATER)  # 1 December 2026, 01:00 in Madrid
    body = api(madrid).get(URL).json()
    assert (body["from"], body["to"], len(body["days"])) == ("2026-11-04", "2026-12-01", 28)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-10-25", "to": "2026-10-19"}, "from"),
        ({"from": "2025-01-01", "to": "2026-10-19"}, "from"),
        ({"outlet": "carrier-pigeon"}, "outlet"),
    ],
)
def test_a_bad_range_is_a_400_that_names_the_field(madrid, params, field):
    response = api(madrid).get(URL, params)
    assert response.status_code == 400, response.content
    assert field in str(response.json()), response.json()


def test_another_creator_sees_only_its_own_figures(madrid, beta, clock):
    clock.clock_set(LATER)
    with tenant_context(madrid.creator):
        history()
    theirs = api(beta).get(URL, {"from": "2026-10-19", "to": "2026-10-25"}).json()
    assert theirs["messages_by_outlet"] == {} and theirs["active_people"] == 0
    assert api(beta).get(URL, HTTP_HOST=host(madrid.creator)["HTTP_HOST"]).status_code in (401, 403, 404)
