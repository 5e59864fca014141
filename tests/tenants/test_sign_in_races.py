"""Parallel sign-in attempts cannot beat the per-account budget: each attempt is counted before the
password (or two-factor code) is checked, and only a success is taken back."""

from __future__ import annotations

import threading
import uuid

import pytest
from allauth.account import adapter as allauth_adapter
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from tenants import services
from tenants.auth_limits import TooManyAttempts, login_attempt_consume
from tests.factories import PASSWORD, host


def token(client: Client, email: str, password: str = PASSWORD):
    return client.post("/api/v1/token", {"email": email, "password": password}, content_type="application/json")


def test_attempts_started_together_get_only_the_budget(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    login = f"race-{uuid.uuid4().hex}@example.com"
    start, let_through = threading.Barrier(8), []

    def attempt(n: int) -> None:
        request = RequestFactory().post("/api/v1/token", REMOTE_ADDR=f"10.0.0.{n}")
        start.wait(timeout=10)
        try:
            login_attempt_consume(request, login=login)
        except TooManyAttempts:
            return
        let_through.append(n)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(let_through) == 3


def parallel_while_checking(monkeypatch, module, send_others):
    """Patch `authenticate` so that, while the first password is being checked, the other requests
    arrive and run to the end: the order in which parallel requests interleave at their worst."""
    checked = []

    def slow_authenticate(request, **credentials):
        checked.append(credentials)
        if len(checked) == 1:
            send_others()
        return authenticate(request, **credentials)

    monkeypatch.setattr(module, "authenticate", slow_authenticate)
    return checked


@pytest.mark.django_db
def test_parallel_token_requests_check_no_more_passwords_than_the_budget(alpha, settings, monkeypatch):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    others = []
    checked = parallel_while_checking(
        monkeypatch,
        services,
        lambda: others.extend(token(Client(**host()), alpha.owner.email, "wrong") for _ in range(7)),
    )
    first = token(Client(**host()), alpha.owner.email, "wrong")
    assert first.status_code == 401
    assert len(checked) == 3, "only the budget's worth of passwords were looked at"
    assert sorted(r.status_code for r in others) == [401, 401] + [429] * 5


@pytest.mark.django_db
def test_parallel_hub_sign_ins_check_no_more_passwords_than_the_budget(alpha, settings, monkeypatch):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    body = {"login": alpha.owner.email, "password": "wrong"}
    checked = parallel_while_checking(
        monkeypatch,
        allauth_adapter,
        lambda: [Client(**host(alpha.creator)).post("/accounts/login/", body) for _ in range(7)],
    )
    Client(**host(alpha.creator)).post("/accounts/login/", body)
    assert len(checked) == 3


@pytest.mark.django_db
def test_a_success_takes_back_only_its_own_attempt(alpha, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client(**host())
    assert token(client, alpha.owner.email, "wrong").status_code == 401
    assert token(client, alpha.owner.email, "wrong").status_code == 401
    assert token(client, alpha.owner.email).status_code == 200, "a right password still works"
    assert token(client, alpha.owner.email, "wrong").status_code == 401
    assert token(client, alpha.owner.email).status_code == 429, "successes do not wipe the failures"
