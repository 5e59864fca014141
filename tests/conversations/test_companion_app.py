"""The companion web app: sign in by email link, see the conversation and what the coach remembers,
forget things, install it, and get the coach's messages as web push notifications."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from conversations import services
from conversations.models import Conversation, PushSubscription
from tests.factories import host
from tests.servers.push import Browser, PushService, verify_vapid

pytestmark = pytest.mark.django_db


def app_client(team) -> Client:
    return Client(**host(team.creator))


def sign_in(team, email: str) -> Client:
    client = app_client(team)
    mail.outbox.clear()
    response = client.post("/app/sign-in/", {"email": email})
    assert response.status_code == 200 and "We sent a sign-in link" in response.content.decode()
    link = re.search(r"http://\S+/app/auth/\S+/", mail.outbox[-1].body).group(0)
    assert link.startswith(f"http://{team.creator.hostname}:8000/app/auth/")
    response = client.get(link.split(":8000", 1)[1])
    assert response.status_code == 302 and response["Location"] == "/app/"
    return client


@pytest.fixture
def ana(alpha):
    with tenant_context(alpha.creator):
        contact = services.contact_resolve(email="ana@example.com")
        services.memory_learn(contact=contact, text="My name is Ana and I want to run a 10k in May.")
        services.message_receive(contact=contact, text="Hello coach", outlet="web")
    return contact


def test_it_signs_in_with_an_email_link_and_shows_what_the_coach_remembers(alpha, ana):
    client = sign_in(alpha, "Ana@Example.com")
    page = client.get("/app/").content.decode()
    assert "What your coach remembers" in page
    assert "run a 10k in May" in page
    assert '"socket": "/ws/app/"' in page
    assert 'rel="manifest"' in page


def test_a_sign_in_link_works_once_and_only_on_its_creators_host(alpha, beta, ana):
    client = app_client(alpha)
    client.post("/app/sign-in/", {"email": "ana@example.com"})
    path = re.search(r"/app/auth/\S+/", mail.outbox[-1].body).group(0)
    assert app_client(beta).get(path).status_code == 400, "alpha's link means nothing on beta"
    assert client.get(path).status_code == 302
    again = app_client(alpha).get(path)
    assert again.status_code == 400 and "already used" in again.content.decode()
    assert app_client(alpha).get(path[:-5] + "AAAA/").status_code == 400


def test_a_bad_email_and_too_many_requests_are_refused_clearly(alpha):
    client = app_client(alpha)
    assert client.post("/app/sign-in/", {"email": "not-an-email"}).status_code == 400
    codes = [client.post("/app/sign-in/", {"email": "flood@example.com"}).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_a_person_forgets_one_fact_but_cannot_touch_anothers(alpha, ana):
    with tenant_context(alpha.creator):
        other = services.contact_resolve(email="bo@example.com")
        services.memory_learn(contact=other, text="My name is Bo.")
        others_fact = other.memories.get()
        goal = ana.memories.get(kind="goal")
    client = sign_in(alpha, "ana@example.com")
    assert client.post(f"/app/memory/{others_fact.pk}/forget/").status_code == 404
    assert client.post("/app/memory/not-a-uuid/forget/").status_code == 404
    assert client.post(f"/app/memory/{goal.pk}/forget/").status_code == 302
    with tenant_context(alpha.creator):
        assert list(ana.memories.values_list("kind", flat=True)) == ["name"]
        assert other.memories.count() == 1
    assert app_client(alpha).post(f"/app/memory/{goal.pk}/forget/").status_code == 404, "signed out"


def test_the_app_is_installable_and_works_offline(alpha):
    client = app_client(alpha)
    manifest = client.get("/app/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    assert manifest.json()["start_url"] == "/app/" and manifest.json()["display"] == "standalone"
    worker = client.get("/app/sw.js")
    assert worker["Service-Worker-Allowed"] == "/app/"
    body = worker.content.decode()
    assert "/app/offline/" in body and 'addEventListener("push"' in body
    assert "You are offline" in client.get("/app/offline/").content.decode()
    assert "Email me a sign-in link" in client.get("/app/").content.decode()


def test_the_coachs_message_reaches_the_phone_as_an_encrypted_push(alpha, ana, run_jobs, settings, tmp_path):
    settings.VAPID_PRIVATE_KEY_FILE = tmp_path / "vapid.pem"
    service = PushService()
    settings.WEBPUSH_ALLOWED_PRIVATE_HOSTS = [service.host]
    phone = Browser(service)
    try:
        client = sign_in(alpha, "ana@example.com")
        response = client.post("/app/push/", phone.subscription, content_type="application/json")
        assert response.status_code == 201
        with tenant_context(alpha.creator), run_jobs() as jobs:
            conversation = Conversation.objects.get(contact=ana)
            services.member_message_send(conversation=conversation, member=alpha.coach, text="Great run today, Ana!")
        assert jobs == ["conversations.tasks.push_to_contact"]
        assert len(service.received) == 1
        push = service.received[0]
        assert push["headers"]["content-encoding"] == "aes128gcm"
        claims = verify_vapid(push["headers"]["authorization"], audience=service.url)
        assert claims["sub"] == settings.VAPID_SUBJECT
        payload = phone.decrypt(push["body"])
        assert payload["title"] == "Alpha"
        assert payload["body"].endswith("Great run today, Ana!")
        assert payload["url"] == "/app/"
    finally:
        service.stop()


def test_a_subscription_the_push_service_says_is_gone_is_removed(alpha, ana, run_jobs, settings, tmp_path):
    settings.VAPID_PRIVATE_KEY_FILE = tmp_path / "vapid.pem"
    service = PushService(status=410)
    settings.WEBPUSH_ALLOWED_PRIVATE_HOSTS = [service.host]
    try:
        with tenant_context(alpha.creator):
            services.push_subscribe(contact=ana, subscription=Browser(service).subscription)
            with run_jobs():
                conversation = Conversation.objects.get(contact=ana)
                services.member_message_send(conversation=conversation, member=alpha.coach, text="Still there?")
        assert len(service.received) == 1
        with tenant_context(alpha.creator):
            assert not PushSubscription.objects.filter(contact=ana).exists()
    finally:
        service.stop()


def test_push_subscriptions_need_a_signed_in_person_and_a_real_subscription(alpha, ana):
    assert app_client(alpha).post("/app/push/", {}, content_type="application/json").status_code == 403
    client = sign_in(alpha, "ana@example.com")
    for body in ["not json", "{}", '{"endpoint": "ftp://x", "keys": {"p256dh": "a", "auth": "b"}}']:
        response = client.post("/app/push/", body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid"
