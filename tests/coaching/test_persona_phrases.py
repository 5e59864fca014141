"""The coach's own phrases per language and its safety message, edited in the hub's persona page or
over the API with the same rules, and what the coach then says."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from conversations.models import Persona
from conversations.phrases import DEFAULTS
from conversations.selectors import persona_get
from conversations.services.turns import Turn, turn_run
from tests.conftest import client_for
from tests.factories import ContactFactory, bearer, host

pytestmark = pytest.mark.django_db


def api_for(team, role: str = "coach") -> Client:
    client = Client(**host(team.creator))
    client.defaults.update(bearer(team.member(role), team.creator))
    return client


def form_data(**changes: str) -> dict[str, str]:
    base = {"coach_name": "Luna", "greeting": "Hi! I'm Luna.", "voice": "Warm.", "rules": "", "safety_message": ""}
    return {**base, **changes}


def saved() -> Persona:
    return Persona.objects.order_by("pk").get()


def test_the_persona_page_shows_the_defaults_as_placeholders(alpha):
    page = client_for(alpha.creator, alpha.coach).get("/hub/persona/").content.decode()
    assert 'name="phrase_es_thanks"' in page and 'name="phrase_en_declined"' in page
    assert 'placeholder="¡De nada! Cuando quieras trabajar en otra cosa, aquí estoy."' in page
    assert 'name="safety_message"' in page and "112 in Europe" in page


def test_phrases_round_trip_through_the_hub_form(alpha):
    coach = client_for(alpha.creator, alpha.coach)
    data = form_data(
        phrase_es_thanks="  ¡A ti, campeona!  ", phrase_en_sign_off="See you, {coach}.", phrase_en_offer=""
    )
    response = coach.post("/hub/persona/", {**data, "safety_message": "Call 112 now, please."})
    assert response.status_code == 302 and response["Location"] == "/hub/persona/"
    with tenant_context(alpha.creator):
        persona = saved()
        assert persona.phrases == {"es": {"thanks": "¡A ti, campeona!"}, "en": {"sign_off": "See you, {coach}."}}
        assert persona.safety_message == "Call 112 now, please." and persona.coach_name == "Luna"
        assert persona.updated_by_email == alpha.coach.email
    page = coach.get("/hub/persona/").content.decode()
    assert 'value="¡A ti, campeona!"' in page and "Call 112 now, please." in page


def test_the_form_refuses_too_long_phrases_and_escapes_html(alpha):
    coach = client_for(alpha.creator, alpha.coach)
    refused = coach.post("/hub/persona/", form_data(phrase_en_thanks="x" * 301, safety_message="y" * 1001))
    assert refused.status_code == 200 and refused.content.decode().count("errorlist") == 2
    with tenant_context(alpha.creator):
        assert saved().phrases == {}
    coach.post("/hub/persona/", form_data(phrase_en_thanks="<script>alert(1)</script>"))
    page = coach.get("/hub/persona/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_analyst_cannot_see_the_persona_and_another_creator_is_untouched(alpha, beta):
    assert client_for(alpha.creator, alpha.analyst).post("/hub/persona/", form_data()).status_code == 403
    assert (
        api_for(alpha, "analyst").patch("/api/v1/persona", {"phrases": {}}, content_type="application/json").status_code
        == 403
    )
    api_for(alpha).patch("/api/v1/persona", {"phrases": {"es": {"thanks": "¡A ti!"}}}, content_type="application/json")
    assert api_for(beta, "owner").get("/api/v1/persona").json()["phrases"] == {}


def test_phrases_and_the_safety_message_round_trip_through_the_api(alpha):
    api = api_for(alpha)
    assert api.get("/api/v1/persona").json()["phrases"] == {}
    body = {"phrases": {"es": {"thanks": " ¡A ti! ", "offer": ""}, "en": {}}, "safety_message": "Call 911."}
    patched = api.patch("/api/v1/persona", body, content_type="application/json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["phrases"] == {"es": {"thanks": "¡A ti!"}} and patched.json()["safety_message"] == "Call 911."
    assert api.get("/api/v1/persona").json()["phrases"] == {"es": {"thanks": "¡A ti!"}}
    # The persona's other fields stay as they were.
    assert api.patch("/api/v1/persona", {"coach_name": "Sol"}, content_type="application/json").json()["phrases"]


@pytest.mark.parametrize(
    ("phrases", "message"),
    [
        ({"fr": {"thanks": "Merci"}}, "fr"),
        ({"es": {"hello": "Hola"}}, "hello"),
        ({"es": {"thanks": "x" * 301}}, "300"),
        ({"es": {"thanks": 3}}, "text"),
        ({"es": "Hola"}, "object"),
        (["thanks"], "object"),
    ],
)
def test_the_api_refuses_unknown_languages_and_phrases_with_a_clear_message(alpha, phrases, message):
    response = api_for(alpha).patch("/api/v1/persona", {"phrases": phrases}, content_type="application/json")
    assert response.status_code == 400
    assert message in str(response.json())
    with tenant_context(alpha.creator):
        assert persona_get().phrases == {}


def test_the_api_refuses_a_safety_message_over_1000_characters(alpha):
    response = api_for(alpha).patch("/api/v1/persona", {"safety_message": "x" * 1001}, content_type="application/json")
    assert response.status_code == 400 and "safety_message" in str(response.json())


def test_a_saved_phrase_is_what_the_coach_says(alpha):
    client_for(alpha.creator, alpha.coach).post("/hub/persona/", form_data(phrase_es_thanks="¡A ti, campeona!"))
    with tenant_context(alpha.creator):
        turn = turn_run(Turn(outlet="api", text="gracias", contact=ContactFactory()))
        assert turn.reply.text == "¡A ti, campeona!"
        english = turn_run(Turn(outlet="api", text="thank you", contact=ContactFactory()))
        assert english.reply.text == DEFAULTS["en"]["thanks"]
