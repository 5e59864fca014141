"""Guessing passwords is slowed down without locking the real owner out for good."""

from __future__ import annotations

import pytest
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import PASSWORD

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
