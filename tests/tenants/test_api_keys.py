"""API keys: a creator's servers call the API with a key that is hashed at rest, scoped, revocable."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.models import ApiKey, hash_api_key_secret
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db


def make_key(team, scope: str = "read_write", role: str = "owner") -> tuple[str, dict]:
    response = Client(**host(team.creator)).post(
        "/api/v1/api-keys",
        {"name": "Zapier", "scope": scope},
        content_type="application/json",
        **bearer(team.member(role), team.creator),
    )
    assert response.status_code == 201, response.content
    return response.json()["key"], response.json()


def with_key(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Api-Key {secret}"}


def test_the_owner_gets_the_whole_key_once_and_only_its_hash_is_stored(alpha):
    secret, created = make_key(alpha)
    prefix, _, tail = secret.partition(".")
    assert created["prefix"] == prefix and created["scope"] == "read_write" and created["active"] is True
    stored = ApiKey.objects.get(pk=created["id"])
    assert stored.secret_hash == hash_api_key_secret(tail)
    assert tail not in str(ApiKey.objects.filter(pk=created["id"]).values().get())
    listed = Client(**host(alpha.creator)).get("/api/v1/api-keys", **bearer(alpha.owner, alpha.creator)).json()
    assert [k["prefix"] for k in listed["results"]] == [prefix]
    assert "key" not in listed["results"][0], "the secret is never shown again"


def test_a_key_works_and_its_last_use_is_shown(alpha):
    secret, created = make_key(alpha)
    assert created["last_used_at"] is None
    api = Client(**host(alpha.creator))
    assert api.get("/api/v1/persona", **with_key(secret)).status_code == 200
    shown = api.get(f"/api/v1/api-keys/{created['id']}", **bearer(alpha.owner, alpha.creator)).json()
    assert shown["last_used_at"] is not None and shown["last_used_at"].endswith("Z")


def test_a_read_only_key_reads_but_cannot_write(alpha):
    secret, _ = make_key(alpha, scope="read")
    api = Client(**host(alpha.creator))
    assert api.get("/api/v1/persona", **with_key(secret)).status_code == 200
    refused = api.patch("/api/v1/persona", {"coach_name": "X"}, content_type="application/json", **with_key(secret))
    assert refused.status_code == 403
    assert refused.json()["error"] == {"code": "read_only_key", "message": "This API key is read-only.", "fields": {}}
    assert api.get("/api/v1/persona", **with_key(secret)).json()["coach_name"] != "X"


def test_a_revoked_key_is_refused(alpha):
    secret, created = make_key(alpha)
    api = Client(**host(alpha.creator))
    assert api.delete(f"/api/v1/api-keys/{created['id']}", **bearer(alpha.owner, alpha.creator)).status_code == 204
    refused = api.get("/api/v1/persona", **with_key(secret))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_failed"
    assert refused["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("garbage", ["", "ck_", "ck_abc.", "nope", "ck_" + "a" * 300, "ck_0000.\x00", "ck_\xe9t\xe9.x"])
def test_a_malformed_or_guessed_key_is_refused_cleanly(alpha, garbage):
    response = Client(**host(alpha.creator)).get("/api/v1/persona", HTTP_AUTHORIZATION=f"Api-Key {garbage}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_key_of_one_creator_is_refused_on_anothers_host(alpha, beta):
    secret, _ = make_key(alpha)
    response = Client(**host(beta.creator)).get("/api/v1/persona", **with_key(secret))
    assert response.status_code == 403
    assert "another coaching space" in response.json()["error"]["message"]


def test_a_key_acts_with_its_makers_role_and_dies_with_the_membership(alpha):
    from tenants.models import Membership

    refused = Client(**host(alpha.creator)).post(
        "/api/v1/api-keys", {"name": "x"}, content_type="application/json", **bearer(alpha.coach, alpha.creator)
    )
    assert refused.status_code == 403, "coaches cannot make keys"
    secret, _ = make_key(alpha)
    api = Client(**host(alpha.creator))
    assert api.get("/api/v1/team/members", **with_key(secret)).status_code == 200
    second_owner = Membership.objects.get(creator=alpha.creator, user=alpha.coach)
    second_owner.role = "owner"
    second_owner.save()
    owner_key, _ = make_key(alpha, role="coach")  # the coach is an owner now and makes a key
    second_owner.delete()
    assert api.get("/api/v1/persona", **with_key(owner_key)).status_code == 403


def test_keys_are_managed_only_by_owners_and_their_names_are_checked(alpha):
    api = Client(**host(alpha.creator))
    assert api.get("/api/v1/api-keys", **bearer(alpha.analyst, alpha.creator)).status_code == 403
    blank = api.post(
        "/api/v1/api-keys", {"name": "  "}, content_type="application/json", **bearer(alpha.owner, alpha.creator)
    )
    assert blank.status_code == 400 and "name" in blank.json()["error"]["fields"]
    wrong_scope = api.post(
        "/api/v1/api-keys",
        {"name": "x", "scope": "admin"},
        content_type="application/json",
        **bearer(alpha.owner, alpha.creator),
    )
    assert wrong_scope.status_code == 400 and "scope" in wrong_scope.json()["error"]["fields"]


def test_owners_make_see_and_revoke_keys_in_the_hub(alpha):
    import re

    from tests.conftest import client_for

    hub = client_for(alpha.creator, alpha.owner)
    made = hub.post("/hub/api-keys/", {"name": "Booking site", "scope": "read"})
    assert made.status_code == 200
    secret = re.search(r'data-testid="new-key">([^<]+)<', made.content.decode()).group(1)
    assert "never" in made.content.decode()
    assert Client(**host(alpha.creator)).get("/api/v1/persona", **with_key(secret)).status_code == 200
    page = hub.get("/hub/api-keys/").content.decode()
    assert secret not in page and "Booking site" in page and "ago" in page and "never" not in page
    key = ApiKey.objects.get(name="Booking site")
    assert hub.post(f"/hub/api-keys/{key.pk}/revoke/").status_code == 302
    assert Client(**host(alpha.creator)).get("/api/v1/persona", **with_key(secret)).status_code == 401
    assert client_for(alpha.creator, alpha.coach).get("/hub/api-keys/").status_code == 403
    assert client_for(alpha.creator, alpha.owner).post("/hub/api-keys/", {"name": ""}).status_code == 400
