"""Refresh tokens rotate on use, and sign-out or a password change revokes them at once."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.factories import PASSWORD, host

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-for-alpha"


def sign_in(client: Client, email: str) -> dict:
    response = client.post("/api/v1/token", {"email": email, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(refresh_token: str, client: Client | None = None):
    client = client or Client(**host())
    return client.post("/api/v1/token/refresh", {"refresh": refresh_token}, content_type="application/json")


def me(creator, access: str):
    return Client(**host(creator)).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_it_rotates_the_refresh_token_and_refuses_the_used_one(alpha, beta):
    first = sign_in(Client(**host()), alpha.owner.email)["refresh"]
    rotated = refresh(first)
    assert rotated.status_code == 200
    second = rotated.json()["refresh"]
    assert second != first
    again = refresh(first)
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "token_not_valid"
    third = refresh(second)
    assert third.status_code == 200
    access = third.json()["access"]
    assert me(alpha.creator, access).status_code == 200, "the creator binding survives rotation"
    assert me(beta.creator, access).status_code == 403


def test_it_revokes_a_refresh_token_on_sign_out(alpha):
    token = sign_in(Client(**host(alpha.creator)), alpha.coach.email)["refresh"]
    revoke = Client(**host(alpha.creator)).post(
        "/api/v1/token/revoke", {"refresh": token}, content_type="application/json"
    )
    assert revoke.status_code == 204
    assert refresh(token).status_code == 401
    twice = Client(**host()).post("/api/v1/token/revoke", {"refresh": token}, content_type="application/json")
    assert twice.status_code == 204, "revoking is idempotent"
    forged = Client(**host()).post("/api/v1/token/revoke", {"refresh": "not.a.token"}, content_type="application/json")
    assert forged.status_code == 401


def test_an_access_token_cannot_be_used_to_refresh_or_revoke(alpha):
    access = sign_in(Client(**host()), alpha.owner.email)["access"]
    assert refresh(access).status_code == 401
    revoke = Client(**host()).post("/api/v1/token/revoke", {"refresh": access}, content_type="application/json")
    assert revoke.status_code == 401


def test_it_revokes_every_refresh_token_when_the_password_changes(alpha):
    tokens = [
        sign_in(Client(**host()), alpha.owner.email)["refresh"],
        sign_in(Client(**host(alpha.creator)), alpha.owner.email)["refresh"],
    ]
    browser = client_for(alpha.creator, alpha.owner)
    changed = browser.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert [refresh(token).status_code for token in tokens] == [401, 401]


def test_it_revokes_refresh_tokens_when_the_person_signs_out_of_the_hub(alpha):
    token = sign_in(Client(**host()), alpha.analyst.email)["refresh"]
    browser = client_for(alpha.creator, alpha.analyst)
    assert browser.post("/accounts/logout/").status_code == 302
    assert refresh(token).status_code == 401


def test_a_refresh_token_of_a_deactivated_person_is_refused(alpha):
    token = sign_in(Client(**host()), alpha.coach.email)["refresh"]
    alpha.coach.is_active = False
    alpha.coach.save(update_fields=["is_active"])
    assert refresh(token).status_code == 401
