"""What the coach could not answer, grouped by meaning in any language, largest group first, with a
count and examples; only for members who answer conversations (the examples are people's words);
cursor-paged; another creator's questions never show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from analytics.models import Event
from analytics.services import event_record
from tests.factories import ConversationFactory, MessageFactory, bearer, host

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/unanswered"
START = datetime(2026, 11, 10, 12, tzinfo=UTC)


def unanswered(questions: list[str]) -> None:
    """Each question asked (newest last) and answered "I don't know"."""
    conversation = ConversationFactory(outlet="web")
    for minutes, text in enumerate(questions):
        at = START + timedelta(minutes=minutes)
        message = MessageFactory(conversation=conversation, author="user", text=text, created_at=at)
        event_record(Event.Kind.ANSWER_UNKNOWN, contact_id=conversation.contact_id, subject_id=message.pk,
                     outlet="web", occurred_at=at)  # fmt: skip


def api(team, role: str = "coach") -> Client:
    client = Client(**host(team.creator))
    client.defaults.update(bearer(team.member(role), team.creator))
    return client


QUESTIONS = [
    "Is keto good for me?",
    "Will it rain tomorrow?",
    "¿Qué tiempo hará mañana?",
    "Can you give me vegan meal recipes",
    "any vegan recipe ideas?",
    "¿Tienes recetas veganas?",
    "What about vegetarian protein?",
    "Do you have vegan recipes?",
    "What's the weather tomorrow?",
]


def test_questions_are_grouped_by_meaning_across_languages_largest_first(alpha, knowledge):
    with tenant_context(alpha.creator):
        unanswered(QUESTIONS)
    body = api(alpha).get(URL, {"from": "2026-11-10", "to": "2026-11-10"}).json()
    groups = [(group["count"], sorted(group["examples"])) for group in body["results"]]
    assert groups == [
        (4, sorted(["Do you have vegan recipes?", "¿Tienes recetas veganas?", "any vegan recipe ideas?",
                    "Can you give me vegan meal recipes"])),
        (3, sorted(["What's the weather tomorrow?", "¿Qué tiempo hará mañana?", "Will it rain tomorrow?"])),
        (1, ["What about vegetarian protein?"]),
        (1, ["Is keto good for me?"]),
    ]  # fmt: skip
    assert body["results"][0]["example"] == "Do you have vegan recipes?", "the newest question names its group"
    assert body["next"] is None


def test_the_list_is_cursor_paged_and_a_bad_cursor_is_a_400(alpha, knowledge, monkeypatch):
    from analytics.reports.api import UnansweredApi

    monkeypatch.setattr(UnansweredApi, "page_size", 3)
    with tenant_context(alpha.creator):
        unanswered(QUESTIONS)
    first = api(alpha).get(URL, {"from": "2026-11-10", "to": "2026-11-10"}).json()
    assert [group["count"] for group in first["results"]] == [4, 3, 1] and first["next"]
    second = api(alpha).get(first["next"]).json()
    assert [group["example"] for group in second["results"]] == ["Is keto good for me?"] and second["next"] is None
    assert api(alpha).get(URL, {"cursor": "!!!"}).status_code == 400


def test_analysts_do_not_read_peoples_questions_and_other_creators_see_none(alpha, beta, knowledge):
    with tenant_context(alpha.creator):
        unanswered(QUESTIONS[:2])
    assert api(alpha, "analyst").get(URL).status_code == 403
    theirs = api(beta).get(URL, {"from": "2026-11-10", "to": "2026-11-10"}).json()
    assert theirs["results"] == []


def test_the_analytics_page_lists_them_with_forms_to_pin_an_answer_or_write_a_note(alpha, knowledge, clock):
    from tests.conftest import client_for

    clock.clock_set(START + timedelta(days=1))
    with tenant_context(alpha.creator):
        unanswered(QUESTIONS)
    page = client_for(alpha.creator, alpha.owner).get("/hub/analytics/", {"from": "2026-11-10", "to": "2026-11-11"})
    html = page.content.decode()
    assert html.count('data-testid="unanswered-group"') == 4
    assert html.index("Do you have vegan recipes?") < html.index("What about vegetarian protein?"), "most asked first"
    assert 'name="question" value="Do you have vegan recipes?"' in html, "pin an answer to it, right there"
    assert 'action="/hub/knowledge/add/"' in html
    analyst = client_for(alpha.creator, alpha.analyst).get("/hub/analytics/", {"from": "2026-11-10"}).content.decode()
    assert 'data-testid="unanswered"' not in analyst and "vegan" not in analyst, "people's words: not for analysts"
