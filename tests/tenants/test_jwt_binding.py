"""A JWT works on the creator host it was minted for, and nowhere else."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tenants.models import Membership
from tests.factories import PASSWORD, bearer, host

pytestmark = pytest.mark.django_db


def token_pair(client: Client, email: str, **extra) -> dict:
    response = client.post(
        "/api/v1/token", {"email": email, "password": PASSWORD, **extra}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def me(creator, token: str):
    return Client(**host(creator)).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_from_the_public_host_works_on_the_creators_own_host(alpha, public_client):
    access = token_pair(public_client, alpha.coach.email)["access"]
    response = me(alpha.creator, access)
    assert response.status_code == 200
    assert response.json()["creator"] == "alpha"
    assert response.json()["role"] == "coach"


def test_a_token_is_refused_with_403_on_another_creators_host(alpha, beta, public_client):
    access = token_pair(public_client, alpha.owner.email)["access"]
    response = me(beta.creator, access)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This token belongs to another coaching space."


def test_the_same_person_in_two_creators_gets_a_token_per_host(alpha, beta, public_client):
    Membership.objects.create(creator=beta.creator, user=alpha.analyst, role="coach")
    ambiguous = public_client.post(
        "/api/v1/token", {"email": alpha.analyst.email, "password": PASSWORD}, content_type="application/json"
    )
    # The same answer as a wrong password (so it reveals nothing), with a hint to name the space.
    assert ambiguous.status_code == 401
    assert ambiguous.json()["error"]["code"] == "invalid_credentials"
    assert "name one" in ambiguous.json()["error"]["message"]
    for_beta = token_pair(public_client, alpha.analyst.email, slug="beta")["access"]
    assert me(beta.creator, for_beta).json()["role"] == "coach"
    assert me(alpha.creator, for_beta).status_code == 403
    # Asking on a creator host binds the token to that host.
    for_alpha = token_pair(Client(**host(alpha.creator)), alpha.analyst.email)["access"]
    assert me(alpha.creator, for_alpha).json()["role"] == "analyst"


def test_a_token_for_a_creator_you_do_not_belong_to_is_not_issued(alpha, public_client):
    response = public_client.post(
        "/api/v1/token",
        {"email": alpha.owner.email, "password": PASSWORD, "slug": "beta"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_an_expired_token_is_refused_with_401(alpha, public_client):
    access = token_pair(public_client, alpha.owner.email)["access"]
    with time_machine.travel(timezone.now() + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + timedelta(seconds=5)):
        response = me(alpha.creator, access)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_a_forged_token_is_refused_with_401(alpha):
    claims = {
        "token_type": "access",
        "user_id": str(alpha.owner.pk),
        "creator": "c_alpha",
        "jti": "x",
        "exp": 4102444800,
    }
    forged = jwt.encode(claims, "not-the-signing-key", algorithm="HS256")
    assert me(alpha.creator, forged).status_code == 401
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert me(alpha.creator, unsigned).status_code == 401
    assert me(alpha.creator, "garbage").status_code == 401


def test_a_token_with_the_creator_claim_edited_is_refused(alpha, beta):
    """Re-signing is impossible without the key, so swapping the claim breaks the signature."""
    access = bearer(alpha.owner, alpha.creator)["HTTP_AUTHORIZATION"].split()[1]
    header, _, signature = access.split(".")
    claims = jwt.decode(access, options={"verify_signature": False})
    claims["creator"] = beta.creator.schema_name
    tampered_payload = jwt.encode(claims, "x", algorithm="HS256").split(".")[1]
    assert me(beta.creator, f"{header}.{tampered_payload}.{signature}").status_code == 401


def test_refresh_keeps_the_creator_binding(alpha, beta, public_client):
    refresh = token_pair(public_client, alpha.owner.email)["refresh"]
    response = public_client.post("/api/v1/token/refresh", {"refresh": refresh}, content_type="application/json")
    assert response.status_code == 200
    access = response.json()["access"]
    assert me(alpha.creator, access).status_code == 200
    assert me(beta.creator, access).status_code == 403


def test_a_removed_member_loses_api_access_at_once(alpha):
    headers = bearer(alpha.coach, alpha.creator)
    Membership.objects.filter(creator=alpha.creator, user=alpha.coach).delete()
    response = Client(**host(alpha.creator)).get("/api/v1/me", **headers)
    assert response.status_code == 403
