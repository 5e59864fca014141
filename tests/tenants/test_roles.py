"""The role matrix: each role can do exactly what it should, in the hub and in the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from conversations.models import Persona
from tenants.models import Invitation, Membership
from tests.conftest import client_for
from tests.factories import UserFactory, bearer, host

pytestmark = pytest.mark.django_db

OWNER, COACH, ANALYST = "owner", "coach", "analyst"
EVERY_MEMBER = {OWNER, COACH, ANALYST}

API_MATRIX = [
    ("get", "/api/v1/me", None, EVERY_MEMBER),
    ("get", "/api/v1/analytics/overview", None, EVERY_MEMBER),
    ("get", "/api/v1/persona", None, {OWNER, COACH}),
    ("patch", "/api/v1/persona", {"greeting": "¡Hola! ¿Empezamos?"}, {OWNER, COACH}),
    ("get", "/api/v1/team/members", None, {OWNER}),
    ("get", "/api/v1/team/invitations", None, {OWNER}),
    ("post", "/api/v1/team/invitations", {"email": "new@example.com", "role": "coach"}, {OWNER}),
]

HUB_MATRIX = [
    ("get", "/hub/", None, EVERY_MEMBER),
    ("get", "/hub/analytics/", None, EVERY_MEMBER),
    ("get", "/hub/persona/", None, {OWNER, COACH}),
    ("post", "/hub/persona/", {"coach_name": "Ana", "greeting": "Hi", "voice": "Kind", "rules": ""}, {OWNER, COACH}),
    ("get", "/hub/team/", None, {OWNER}),
    ("post", "/hub/team/", {"email": "new@example.com", "role": "analyst"}, {OWNER}),
]


@pytest.mark.parametrize("role", [OWNER, COACH, ANALYST])
@pytest.mark.parametrize(("method", "path", "body", "allowed"), API_MATRIX)
def test_api_role_matrix(alpha, role, method, path, body, allowed):
    client = Client(**host(alpha.creator))
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(path, **kwargs, **bearer(alpha.member(role), alpha.creator))
    if role in allowed:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 403
        assert "does not allow" in response.json()["error"]["message"]


@pytest.mark.parametrize("role", [OWNER, COACH, ANALYST])
@pytest.mark.parametrize(("method", "path", "body", "allowed"), HUB_MATRIX)
def test_hub_role_matrix(alpha, role, method, path, body, allowed):
    client = client_for(alpha.creator, alpha.member(role))
    response = getattr(client, method)(path, body or {})
    if role in allowed:
        assert response.status_code in (200, 302), response.content.decode()[:500]
    else:
        assert response.status_code == 403
        assert "does not allow this page" in response.content.decode()


def test_a_denied_write_changes_nothing(alpha):
    client = client_for(alpha.creator, alpha.analyst)
    client.post("/hub/persona/", {"coach_name": "Hacked", "greeting": "x", "voice": "x", "rules": ""})
    client.post("/hub/team/", {"email": "friend@example.com", "role": "owner"})
    Client(**host(alpha.creator)).patch(
        "/api/v1/persona",
        {"coach_name": "Hacked"},
        content_type="application/json",
        **bearer(alpha.analyst, alpha.creator),
    )
    with tenant_context(alpha.creator):
        assert Persona.objects.get().coach_name == "Coach"
    assert not Invitation.objects.filter(email="friend@example.com").exists()


@pytest.mark.parametrize(("method", "path", "body", "allowed"), HUB_MATRIX)
def test_people_outside_the_team_are_refused_in_the_hub(alpha, beta, method, path, body, allowed):
    anonymous = getattr(Client(**host(alpha.creator)), method)(path, body or {})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    stranger = getattr(client_for(alpha.creator, beta.owner), method)(path, body or {})
    assert stranger.status_code == 403
    assert "not a member of Alpha" in stranger.content.decode()


@pytest.mark.parametrize(("method", "path", "body", "allowed"), API_MATRIX)
def test_people_outside_the_team_are_refused_in_the_api(alpha, beta, outsider, method, path, body, allowed):
    client = Client(**host(alpha.creator))
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
    assert getattr(client, method)(path, **kwargs).status_code == 401
    stranger_session = client_for(alpha.creator, outsider)
    assert getattr(stranger_session, method)(path, **kwargs).status_code == 403


def test_owners_change_roles_but_never_remove_the_last_owner(alpha):
    client = Client(**host(alpha.creator))
    headers = bearer(alpha.owner, alpha.creator)
    coach = Membership.objects.get(creator=alpha.creator, user=alpha.coach)
    owner = Membership.objects.get(creator=alpha.creator, user=alpha.owner)
    promoted = client.patch(
        f"/api/v1/team/members/{coach.public_id}", {"role": "analyst"}, content_type="application/json", **headers
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "analyst"
    demote_self = client.patch(
        f"/api/v1/team/members/{owner.public_id}", {"role": "coach"}, content_type="application/json", **headers
    )
    assert demote_self.status_code == 409
    assert "at least one owner" in demote_self.json()["error"]["message"]
    assert client.delete(f"/api/v1/team/members/{owner.public_id}", **headers).status_code == 409
    assert client.delete(f"/api/v1/team/members/{coach.public_id}", **headers).status_code == 204
    assert not Membership.objects.filter(pk=coach.pk).exists()
    bad_role = client.patch(
        f"/api/v1/team/members/{owner.public_id}", {"role": "god"}, content_type="application/json", **headers
    )
    assert bad_role.status_code == 400


def test_the_staff_admin_is_for_staff_only(alpha):
    owner = client_for(None, alpha.owner)
    assert "/hub/handoff/" in owner.get("/hub/")["Location"], "the owner is signed in on the public host"
    response = owner.get("/admin/tenants/creator/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    staff = client_for(None, UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    assert staff.get("/admin/tenants/creator/").status_code == 200


def test_the_hub_only_links_to_pages_the_role_may_open(alpha):
    analyst_home = client_for(alpha.creator, alpha.analyst).get("/hub/").content.decode()
    assert 'href="/hub/analytics/"' in analyst_home
    assert 'href="/hub/persona/"' not in analyst_home
    assert 'href="/hub/team/"' not in analyst_home
    owner_home = client_for(alpha.creator, alpha.owner).get("/hub/").content.decode()
    assert 'href="/hub/team/"' in owner_home
