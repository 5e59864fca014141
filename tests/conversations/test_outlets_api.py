"""Messaging outlets over API v1: connecting a Telegram bot (checked and registered with a local Bot
API server), a WhatsApp number and its templates; secrets go in and never come out; owners only,
and never another creator's."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django_tenants.utils import tenant_context

from conversations.models import MessagingOutlet
from tests.conversations.outlets.conftest import (  # noqa: F401 - fixtures
    ACCESS_TOKEN,
    APP_SECRET,
    BOT_TOKEN,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    telegram,
    whatsapp,
)
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db
ROTATED_TOKEN = "123456789:AAG-alpha-coach-rotated-token"
OTHER_BOT_TOKEN = "987654321:AAH-someone-elses-bot-token"


class Api:
    """A team member's API client that keeps every answer, to prove no secret is ever in one."""

    def __init__(self, team, role: str = "owner") -> None:
        self.client = Client(**host(team.creator))
        self.client.defaults.update(bearer(team.member(role), team.creator))
        self.bodies: list[str] = []

    def __getattr__(self, method: str):
        def call(path: str, data: dict | None = None):
            kwargs = {"content_type": "application/json"} if data is not None else {}
            response = getattr(self.client, method)(f"/api/v1/{path}", data, **kwargs)
            self.bodies.append(response.content.decode())
            return response

        return call

    def assert_never_shown(self, *secrets: str) -> None:
        for body in self.bodies:
            for secret in secrets:
                assert secret not in body


def connect_bot(api: Api, token: str = BOT_TOKEN):
    return api.post("outlets", {"kind": "telegram", "bot_token": token})


def test_it_connects_a_telegram_bot_checked_with_getme_and_registered_with_setwebhook(alpha, telegram):  # noqa: F811
    telegram.add_bot(BOT_TOKEN, username="alpha_coach_bot")
    api = Api(alpha)
    response = connect_bot(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id", "kind", "name", "status", "webhook_url", "token_hint", "external_id", "created_at",
        "last_inbound_at", "last_delivery_at", "last_error", "last_error_at", "templates",
    }  # fmt: skip
    assert body["kind"] == "telegram" and body["name"] == "@alpha_coach_bot" and body["status"] == "active"
    assert body["webhook_url"] == f"http://alpha.localhost:8000/hooks/telegram/{body['id']}"
    assert body["token_hint"] == f"…{BOT_TOKEN[-4:]}" and body["external_id"] == "123456789"
    assert telegram.calls_of("getMe", BOT_TOKEN)
    hook = telegram.calls_of("setWebhook", BOT_TOKEN)[0]["params"]
    with tenant_context(alpha.creator):
        outlet = MessagingOutlet.objects.get(pk=body["id"])
    assert hook["url"] == body["webhook_url"] and hook["secret_token"] == outlet.webhook_secret
    assert set(telegram.webhook(BOT_TOKEN)["allowed_updates"]) >= {"message", "callback_query"}

    assert [o["id"] for o in api.get("outlets").json()["results"]] == [body["id"]]
    assert api.get(f"outlets/{body['id']}").json()["name"] == "@alpha_coach_bot"
    assert api.delete(f"outlets/{body['id']}").status_code == 204
    assert telegram.calls_of("deleteWebhook", BOT_TOKEN) and telegram.webhook(BOT_TOKEN) is None
    assert api.get(f"outlets/{body['id']}").status_code == 404
    api.assert_never_shown(BOT_TOKEN, outlet.webhook_secret)


def test_a_token_telegram_refuses_is_a_400_with_a_clear_message_and_nothing_is_saved(alpha, telegram):  # noqa: F811
    api = Api(alpha)
    malformed = connect_bot(api, "not-a-token")
    assert malformed.status_code == 400
    assert "BotFather" in malformed.json()["error"]["fields"]["bot_token"][0]
    unknown = connect_bot(api, "111111111:AAE-a-token-telegram-does-not-know")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid"
    assert "Telegram did not accept this token" in unknown.json()["error"]["fields"]["bot_token"][0]
    assert not telegram.calls_of("setWebhook")
    with tenant_context(alpha.creator):
        assert not MessagingOutlet.objects.exists()
    api.assert_never_shown("111111111:AAE-a-token-telegram-does-not-know")


def test_the_same_bot_twice_is_refused(alpha, telegram):  # noqa: F811
    telegram.add_bot(BOT_TOKEN, username="alpha_coach_bot")
    api = Api(alpha)
    assert connect_bot(api).status_code == 201
    again = connect_bot(api)
    assert again.status_code == 400 and "already connected" in again.json()["error"]["fields"]["bot_token"][0]
    with tenant_context(alpha.creator):
        assert MessagingOutlet.objects.count() == 1


def test_an_unverified_email_cannot_connect_an_outlet(alpha, telegram):  # noqa: F811
    telegram.add_bot(BOT_TOKEN)
    EmailAddress.objects.filter(user=alpha.owner).update(verified=False)
    response = connect_bot(Api(alpha))
    assert response.status_code == 403 and "Confirm your email" in response.json()["error"]["message"]
    assert not telegram.calls_of("getMe")
    with tenant_context(alpha.creator):
        assert not MessagingOutlet.objects.exists()


def test_only_who_manages_the_team_sees_or_connects_outlets(alpha, telegram):  # noqa: F811
    telegram.add_bot(BOT_TOKEN)
    for role in ("coach", "analyst"):
        api = Api(alpha, role)
        assert api.get("outlets").status_code == 403
        assert connect_bot(api).status_code == 403
    assert not telegram.calls_of("getMe")


def test_another_creators_outlet_is_not_found(alpha, beta, telegram):  # noqa: F811
    telegram.add_bot(BOT_TOKEN)
    outlet_id = connect_bot(Api(alpha)).json()["id"]
    intruder = Api(beta)
    assert intruder.get("outlets").json()["results"] == []
    assert intruder.get(f"outlets/{outlet_id}").status_code == 404
    assert intruder.patch(f"outlets/{outlet_id}", {"name": "Mine now"}).status_code == 404
    assert intruder.delete(f"outlets/{outlet_id}").status_code == 404
    assert intruder.post(f"outlets/{outlet_id}/templates", {"name": "hola", "language": "es"}).status_code == 404
    assert not telegram.calls_of("deleteWebhook")
    with tenant_context(alpha.creator):
        assert MessagingOutlet.objects.get(pk=outlet_id).name != "Mine now"


def test_patch_renames_and_rotates_the_token_of_the_same_bot_only(alpha, telegram):  # noqa: F811
    telegram.add_bot(BOT_TOKEN, username="alpha_coach_bot")
    telegram.add_bot(ROTATED_TOKEN, username="alpha_coach_bot", bot_id=123456789)
    telegram.add_bot(OTHER_BOT_TOKEN, username="other_bot")
    api = Api(alpha)
    outlet_id = connect_bot(api).json()["id"]
    renamed = api.patch(f"outlets/{outlet_id}", {"name": "Coaching bot"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Coaching bot"
    rotated = api.patch(f"outlets/{outlet_id}", {"bot_token": ROTATED_TOKEN})
    assert rotated.status_code == 200 and rotated.json()["token_hint"] == f"…{ROTATED_TOKEN[-4:]}"
    other = api.patch(f"outlets/{outlet_id}", {"bot_token": OTHER_BOT_TOKEN})
    assert other.status_code == 400 and "another bot" in other.json()["error"]["fields"]["bot_token"][0]
    with tenant_context(alpha.creator):
        assert MessagingOutlet.objects.get(pk=outlet_id).credential == ROTATED_TOKEN
    api.assert_never_shown(BOT_TOKEN, ROTATED_TOKEN, OTHER_BOT_TOKEN)


def test_a_whatsapp_number_with_its_templates_and_no_secret_comes_back(alpha, whatsapp):  # noqa: F811
    whatsapp.add_number(PHONE_NUMBER_ID, ACCESS_TOKEN)
    api = Api(alpha)
    data = {
        "kind": "whatsapp", "name": "Coaching line", "phone_number_id": PHONE_NUMBER_ID,
        "access_token": ACCESS_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN,
    }  # fmt: skip
    created = api.post("outlets", data)
    assert created.status_code == 201, created.content
    outlet = created.json()
    assert outlet["name"] == "Coaching line" and outlet["external_id"] == PHONE_NUMBER_ID
    assert outlet["webhook_url"].endswith(f"/hooks/whatsapp/{outlet['id']}") and outlet["templates"] == []
    short = api.post("outlets", {**data, "phone_number_id": "106540352242999", "verify_token": "short"})
    assert short.status_code == 400 and "verify_token" in short.json()["error"]["fields"]

    template = api.post(
        f"outlets/{outlet['id']}/templates", {"name": "weekly_checkin", "language": "es", "variables": ["first_name"]}
    )
    assert template.status_code == 201 and template.json()["variables"] == ["first_name"]
    bad = api.post(f"outlets/{outlet['id']}/templates", {"name": "Weekly Check-in", "language": "es"})
    assert bad.status_code == 400 and "name" in bad.json()["error"]["fields"]
    listed = api.get(f"outlets/{outlet['id']}").json()["templates"]
    assert [(t["name"], t["language"]) for t in listed] == [("weekly_checkin", "es")]
    assert api.delete(f"outlets/{outlet['id']}/templates/{template.json()['id']}").status_code == 204
    assert api.get(f"outlets/{outlet['id']}").json()["templates"] == []
    rotated = api.patch(f"outlets/{outlet['id']}", {"app_secret": "a-new-app-secret-0123456789"})
    assert rotated.status_code == 200
    api.assert_never_shown(ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, "a-new-app-secret-0123456789")
