"""Web push for the team: a member turns it on in the hub (per browser), and a crisis or a request
for a human reaches that browser as an encrypted push naming the kind and the hub page, never the
person's words. Only members who answer conversations are pushed; each manages only their own."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from conversations.models import Conversation, MemberPushSubscription
from conversations.services import turns
from conversations.services.notifications import team_notification_label
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.servers.push import Browser, PushService, verify_vapid

pytestmark = pytest.mark.django_db
WORDS = "Quiero hablar con una persona"


@pytest.fixture
def service(settings, tmp_path):
    settings.VAPID_PRIVATE_KEY_FILE = tmp_path / "vapid.pem"
    service = PushService()
    settings.WEBPUSH_ALLOWED_PRIVATE_HOSTS = [service.host]
    yield service
    service.stop()


def subscribe(team, role: str, browser: Browser):
    client = client_for(team.creator, team.member(role))
    return client.post("/hub/push/", browser.subscription, content_type="application/json")


def test_a_request_for_a_human_reaches_the_members_browser_without_the_persons_words(alpha, service, run_jobs):
    coach_phone, analyst_phone = Browser(service, "coach"), Browser(service, "analyst")
    assert subscribe(alpha, "coach", coach_phone).status_code == 201
    assert subscribe(alpha, "analyst", analyst_phone).status_code == 201  # any member may turn it on…
    with tenant_context(alpha.creator), run_jobs() as jobs:
        contact = ContactFactory()
        turns.turn_run(turns.Turn(outlet="api", text=WORDS, contact=contact))
    assert "conversations.tasks.push_to_member" in jobs
    # …but only members who answer conversations are told: the analyst's browser gets nothing.
    assert [r["path"] for r in service.received] == ["/push/coach"]
    push = service.received[0]
    verify_vapid(push["headers"]["authorization"], service.url)
    assert WORDS.encode() not in push["body"]
    payload = coach_phone.decrypt(push["body"])
    with tenant_context(alpha.creator):
        conversation = Conversation.objects.get(contact=contact)
    assert payload["url"] == f"/hub/inbox/{conversation.pk}/"
    with translation.override(alpha.creator.language or "en"):
        assert payload["body"] == team_notification_label("human_requested")
    assert payload["title"] == alpha.creator.name
    assert "persona" not in json.dumps(payload).lower()  # no word the person wrote


def test_a_crisis_is_pushed_too(alpha, service, run_jobs):
    phone = Browser(service, "owner")
    assert subscribe(alpha, "owner", phone).status_code == 201
    with tenant_context(alpha.creator), run_jobs():
        turns.turn_run(turns.Turn(outlet="api", text="I want to end it all, I can't go on", contact=ContactFactory()))
    assert len(service.received) == 1
    payload = phone.decrypt(service.received[0]["body"])
    assert payload["kind"] == "crisis" and payload["url"].startswith("/hub/inbox/")
    assert "end it all" not in json.dumps(payload)


def test_without_a_subscription_no_push_job_is_queued(alpha, service, run_jobs):
    with tenant_context(alpha.creator), run_jobs() as jobs:
        turns.turn_run(turns.Turn(outlet="api", text=WORDS, contact=ContactFactory()))
    assert "conversations.tasks.push_to_member" not in jobs
    assert service.received == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8499/internal/reset",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.7/push",
        "https://[::ffff:127.0.0.1]/push",
        "https://evil.example.com/push/abc",
        "ftp://fcm.googleapis.com/fcm/send/abc",
    ],
)
def test_endpoints_that_are_not_a_public_push_service_are_refused(alpha, endpoint):
    body = {"endpoint": endpoint, "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA", "auth": "tBHI"}}
    response = client_for(alpha.creator, alpha.coach).post("/hub/push/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    with tenant_context(alpha.creator):
        assert not MemberPushSubscription.objects.exists()


def test_malformed_subscriptions_are_a_400(alpha):
    coach = client_for(alpha.creator, alpha.coach)
    for body in ["[" * 100_000 + "]" * 100_000, "not json", json.dumps({"endpoint": "x"}), "[]"]:
        assert coach.post("/hub/push/", body, content_type="application/json").status_code == 400


def test_only_the_members_own_browser_is_turned_off(alpha, service):
    phone = Browser(service, "coach")
    assert subscribe(alpha, "coach", phone).status_code == 201
    endpoint = phone.subscription["endpoint"]
    other = client_for(alpha.creator, alpha.analyst)
    refused = other.post("/hub/push/off/", {"endpoint": endpoint}, content_type="application/json")
    assert refused.json()["removed"] == 0
    with tenant_context(alpha.creator):
        assert MemberPushSubscription.objects.get(endpoint=endpoint).user_id == alpha.coach.pk
    coach = client_for(alpha.creator, alpha.coach)
    assert coach.post("/hub/push/off/", {"endpoint": endpoint}, content_type="application/json").json()["removed"] == 1
    assert coach.post("/hub/push/off/", {"endpoint": "a\x00b"}, content_type="application/json").status_code == 200
    assert coach.post("/hub/push/off/", {}, content_type="application/json").status_code == 400
    with tenant_context(alpha.creator):
        assert not MemberPushSubscription.objects.exists()


def test_strangers_and_other_creators_members_cannot_subscribe(alpha, beta, outsider, service):
    phone = Browser(service)
    for client in [
        client_for(alpha.creator),
        client_for(alpha.creator, outsider),
        client_for(alpha.creator, beta.owner),
    ]:
        response = client.post("/hub/push/", phone.subscription, content_type="application/json")
        assert response.status_code in (302, 403)
    with tenant_context(alpha.creator):
        assert not MemberPushSubscription.objects.exists()


def test_the_notifications_page_offers_push_and_the_hub_has_its_service_worker(alpha, service):
    coach = client_for(alpha.creator, alpha.coach)
    response = coach.get("/hub/notifications/")
    page = response.content.decode()
    assert 'id="push-on"' in page and "Notify me on this device" in page and "Stop notifying this device" in page
    assert "/hub/sw.js" in page and "/hub/push/off/" in page
    assert "onclick" not in page
    nonce = page.split('<script nonce="')[1].split('"')[0]
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert client_for(alpha.creator).get("/hub/sw.js").status_code == 302  # members only, like the hub
    worker = coach.get("/hub/sw.js")
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/hub/"
    assert "showNotification" in worker.content.decode() and "openWindow" in worker.content.decode()
