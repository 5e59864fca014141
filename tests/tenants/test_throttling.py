"""Guessing passwords is slowed down without locking the real owner out for good."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import PASSWORD, UserFactory, host

pytestmark = pytest.mark.django_db


def test_the_token_endpoint_answers_429_with_retry_after(alpha, public_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/minute", "signup": "3/minute"})
    body = {"email": alpha.owner.email, "password": "wrong"}
    statuses = [
        public_client.post("/api/v1/token", body, content_type="application/json").status_code for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    refused = public_client.post(
        "/api/v1/token", {"email": alpha.owner.email, "password": PASSWORD}, content_type="application/json"
    )
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"


def test_the_sign_in_form_slows_down_repeated_failures(alpha, public_client):
    pages = [
        public_client.post("/accounts/login/", {"login": alpha.owner.email, "password": "wrong"}).content.decode()
        for _ in range(12)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    still_locked = public_client.post("/accounts/login/", {"login": alpha.owner.email, "password": PASSWORD})
    assert still_locked.status_code == 200, "even the right password waits until the window passes"


def test_the_owner_can_sign_in_again_once_the_window_has_passed(alpha, public_client):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    for _ in range(12):
        public_client.post("/accounts/login/", {"login": alpha.owner.email, "password": "wrong"})
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = public_client.post("/accounts/login/", {"login": alpha.owner.email, "password": PASSWORD})
    assert response.status_code == 302


def token(client, email: str, password: str = "wrong", **extra):
    return client.post(
        "/api/v1/token", {"email": email, "password": password}, content_type="application/json", **extra
    )


def test_it_ignores_an_x_forwarded_for_the_client_writes_itself(platform, public_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    statuses = [
        token(public_client, f"nobody{i}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_it_keeps_one_token_budget_across_every_host(alpha, beta, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    clients = [Client(**host()), Client(**host(alpha.creator)), Client(**host(beta.creator)), Client(**host())]
    statuses = [token(client, f"nobody{i}@example.com").status_code for i, client in enumerate(clients)]
    assert statuses == [401, 401, 401, 429]


def test_it_trusts_x_forwarded_for_only_as_far_as_the_declared_proxies(platform, public_client, monkeypatch, settings):
    settings.NUM_PROXIES = 1
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "2/minute"})
    # Our proxy appends the address it saw; whatever the client wrote before it is ignored.
    first = [token(public_client, "a@example.com", HTTP_X_FORWARDED_FOR=f"{i}.1.1.1, 198.51.100.7") for i in range(3)]
    assert [r.status_code for r in first] == [401, 401, 429]
    other_client = token(public_client, "a@example.com", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.8")
    assert other_client.status_code == 401


def test_it_limits_failed_sign_ins_per_account_across_ips_and_hosts(alpha, beta, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    clients = [Client(**host()), Client(**host(alpha.creator)), Client(**host(beta.creator))]
    for i, client in enumerate(clients):
        assert token(client, alpha.owner.email, REMOTE_ADDR=f"198.51.100.{i}").status_code == 401
    refused = token(Client(**host(alpha.creator)), alpha.owner.email, PASSWORD, REMOTE_ADDR="198.51.100.99")
    assert refused.status_code == 429, "even the right password waits until the window passes"
    assert int(refused["Retry-After"]) > 0
    assert token(Client(**host()), alpha.coach.email, PASSWORD).status_code == 200, "other accounts are not locked"


def test_it_limits_failed_sign_ins_per_ip_across_accounts(platform, public_client, settings):
    settings.LOGIN_FAILURES_PER_IP = 3
    statuses = [token(public_client, f"person{i}@example.com").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_it_limits_the_hub_sign_in_form_across_hosts(alpha, beta):
    wrong = {"login": alpha.owner.email, "password": "wrong"}
    for client in [Client(**host(alpha.creator)), Client(**host(beta.creator))] * 3:
        client.post("/accounts/login/", wrong)
    page = Client(**host()).post("/accounts/login/", {"login": alpha.owner.email, "password": PASSWORD})
    assert page.status_code == 200
    assert "Too many failed login attempts" in page.content.decode()


def test_it_counts_hub_and_api_failures_in_one_budget(alpha, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 4
    for _ in range(2):
        Client(**host(alpha.creator)).post("/accounts/login/", {"login": alpha.owner.email, "password": "wrong"})
        token(Client(**host()), alpha.owner.email)
    assert token(Client(**host()), alpha.owner.email, PASSWORD).status_code == 429


def test_it_sends_the_staff_admin_login_through_the_throttled_sign_in(platform, public_client):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    for _ in range(25):
        public_client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": "wrong"})
    response = public_client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in public_client.session, "Django's admin form never signs anyone in"
    for _ in range(5):
        public_client.post("/accounts/login/?next=/admin/", {"login": staff.email, "password": "wrong"})
    locked = public_client.post("/accounts/login/?next=/admin/", {"login": staff.email, "password": PASSWORD})
    assert "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in public_client.session


def test_client_ip_is_remote_addr_unless_proxies_are_declared(rf, settings):
    from tenants.auth_limits import client_ip

    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    settings.NUM_PROXIES = 0
    assert client_ip(request) == "192.0.2.1"
    settings.NUM_PROXIES = 1
    assert client_ip(request) == "198.51.100.7"
    settings.NUM_PROXIES = 2
    assert client_ip(request) == "203.0.113.9"
    settings.NUM_PROXIES = 5
    assert client_ip(request) == "203.0.113.9"
