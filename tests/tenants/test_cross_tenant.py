"""Creator A's people and credentials get nothing from creator B's host, on every route there is.

The routes are read from the tenant URLconf itself, so a route added later is covered too.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import tenant_context

from conversations.models import Contact, ContactMemory, Conversation, Message, Persona
from conversations.services import widget_ensure
from tenants.models import ApiKey, Invitation, Membership
from tenants.services import api_key_create, handoff_token_create, invitation_create
from tests.conftest import client_for
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db
OPEN_ROUTES = {
    "healthz", "api/v1/token", "api/v1/token/refresh", "api/v1/schema/", "api/v1/docs/", "api/v1/redoc/",
}  # fmt: skip
# The companion app's shell is public on every creator's host (end users sign in there): it may
# answer anyone, but never with anything of another creator's.
END_USER_PAGES = {"app/", "app/sign-in/", "app/manifest.webmanifest", "app/sw.js", "app/offline/"}


def tenant_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    resolver = resolver or get_resolver("config.urls_tenant")
    routes = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if "accounts/" in route:  # allauth's own pages: sign-in forms, no creator data
                continue
            routes += tenant_routes(entry, route)
        elif isinstance(entry, URLPattern):
            routes.append(route)
    return routes


def fill(route: str, ids: dict[str, object]) -> str:
    for name, value in ids.items():
        for converter in ("int", "str", "uuid"):
            filled = ids.get(f"{name}:{converter}", value)  # an object's UUID where the route wants one
            route = route.replace(f"<{converter}:{name}>", str(filled))
    return "/" + route


@pytest.fixture
def alpha_ids(alpha):
    invitation, token = invitation_create(
        creator=alpha.creator, invited_by=alpha.owner, email="new@example.com", role="coach"
    )
    key, secret = api_key_create(creator=alpha.creator, created_by=alpha.owner, name="server", scope="read_write")
    with tenant_context(alpha.creator):
        contact = Contact.objects.create(email="canary-person@example.com", tags=["canary"])
        conversation = Conversation.objects.create(contact=contact)
        message = Message.objects.create(conversation=conversation, author="ai", text="canary reply")
        widget = widget_ensure()
        memory = ContactMemory.objects.create(contact=contact, kind="goal", text="canary goal")
    return {
        "membership_id": Membership.objects.get(creator=alpha.creator, user=alpha.coach).pk,
        "invitation_id": invitation.pk,
        "member_id": Membership.objects.get(creator=alpha.creator, user=alpha.coach).public_id,
        "invitation_id:uuid": invitation.public_id,
        "token": token,
        "key_id": key.pk,
        "api_key": secret,
        "contact_id": contact.pk,
        "conversation_id": conversation.pk,
        "message_id": message.pk,
        "widget_id": widget.pk,
        "memory_id": memory.pk,
        "tag": "canary",
        "document_id": "00000000-0000-0000-0000-000000000000",
    }


def test_the_route_list_is_complete():
    routes = tenant_routes()
    assert "hub/team/<int:membership_id>/" in routes
    assert "api/v1/persona" in routes
    assert len(routes) >= 15


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_alphas_owner_gets_nothing_from_betas_host(alpha, beta, alpha_ids, method):
    jwt_client = Client(**host(beta.creator))
    session_client = client_for(beta.creator, alpha.owner)  # signed in on beta's host, but no member there
    for route in tenant_routes():
        if route in OPEN_ROUTES or route == "":
            continue
        path = fill(route, alpha_ids)
        with_jwt = getattr(jwt_client, method)(path, **bearer(alpha.owner, alpha.creator))
        with_session = getattr(session_client, method)(path)
        with_key = getattr(jwt_client, method)(path, HTTP_AUTHORIZATION=f"Api-Key {alpha_ids['api_key']}")
        for response in (with_jwt, with_session, with_key):
            if route not in END_USER_PAGES:
                assert response.status_code in (302, 400, 401, 403, 404, 405), (method, path, response.status_code)
            assert response.status_code < 500, (method, path)
            assert alpha.creator.name not in response.content.decode(), (method, path)
    assert Membership.objects.filter(creator=alpha.creator).count() == 3
    assert Invitation.objects.get(pk=alpha_ids["invitation_id"]).is_open()
    assert ApiKey.objects.get(pk=alpha_ids["key_id"]).is_active
    with tenant_context(alpha.creator):
        contact = Contact.objects.get(pk=alpha_ids["contact_id"])
        assert contact.tags == ["canary"]
        assert contact.memories.get().text == "canary goal"
        assert Conversation.objects.get(pk=alpha_ids["conversation_id"]).handler == "ai"
        assert Message.objects.filter(conversation_id=alpha_ids["conversation_id"]).count() == 1


def test_betas_owner_cannot_touch_alphas_objects_by_id(alpha, beta, alpha_ids):
    beta_owner = client_for(beta.creator, beta.owner)
    membership_id = alpha_ids["membership_id"]
    assert beta_owner.post(f"/hub/team/{membership_id}/remove/").status_code == 404
    assert Membership.objects.filter(pk=membership_id).exists(), "beta's owner cannot remove alpha's coach"
    api = Client(**host(beta.creator))
    headers = bearer(beta.owner, beta.creator)
    member_id = alpha_ids["member_id"]
    assert api.delete(f"/api/v1/team/members/{member_id}", **headers).status_code == 404
    assert (
        api.patch(
            f"/api/v1/team/members/{member_id}", {"role": "owner"}, content_type="application/json", **headers
        ).status_code
        == 404
    )
    assert api.delete(f"/api/v1/team/invitations/{alpha_ids['invitation_id:uuid']}", **headers).status_code == 404
    assert Client(**host(beta.creator)).get(f"/hub/invitations/{alpha_ids['token']}/").status_code == 404
    assert Invitation.objects.get(pk=alpha_ids["invitation_id"]).is_open()


def test_each_creator_reads_and_writes_only_its_own_schema(alpha, beta):
    Client(**host(alpha.creator)).patch(
        "/api/v1/persona", {"coach_name": "Ana"}, content_type="application/json", **bearer(alpha.owner, alpha.creator)
    )
    beta_view = Client(**host(beta.creator)).get("/api/v1/persona", **bearer(beta.owner, beta.creator))
    assert beta_view.json()["coach_name"] == "Coach"
    with tenant_context(alpha.creator):
        assert Persona.objects.get().coach_name == "Ana"
    with tenant_context(beta.creator):
        assert Persona.objects.get().coach_name == "Coach"


def test_a_session_cookie_replayed_on_another_host_is_signed_out(alpha, beta):
    """Even for someone who is a member of both: a session belongs to the host that made it."""
    Membership.objects.create(creator=beta.creator, user=alpha.owner, role="owner")
    alpha_browser = client_for(alpha.creator, alpha.owner)
    assert alpha_browser.get("/hub/").status_code == 200
    replay = Client(**host(beta.creator))
    replay.cookies = alpha_browser.cookies
    response = replay.get("/hub/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_handoff_link_for_one_host_does_not_sign_in_on_another(alpha, beta):
    Membership.objects.create(creator=beta.creator, user=alpha.owner, role="owner")
    token = handoff_token_create(user=alpha.owner, creator=alpha.creator)
    response = Client(**host(beta.creator)).get(f"/hub/handoff/?token={token}")
    assert response.status_code == 400
    assert "for another coaching space" in response.content.decode()


def test_cache_keys_are_scoped_per_creator(alpha, beta):
    from django.core.cache import cache

    with tenant_context(alpha.creator):
        cache.set("persona-preview", "alpha's")
    with tenant_context(beta.creator):
        assert cache.get("persona-preview") is None
    with tenant_context(alpha.creator):
        assert cache.get("persona-preview") == "alpha's"


def test_interleaved_requests_on_one_connection_each_read_their_own_schema(alpha, beta, settings):
    """`SET search_path` is issued once per schema switch, not per query: switching must still be exact."""
    assert settings.TENANT_LIMIT_SET_CALLS
    for team, name in ((alpha, "Alma"), (beta, "Bruno")):
        with tenant_context(team.creator):
            Persona.objects.update(coach_name=name)
    clients = {name: (Client(**host(team.creator)), bearer(team.owner, team.creator)) for team, name in
               ((alpha, "Alma"), (beta, "Bruno"))}  # fmt: skip
    seen = []
    for name in ["Alma", "Bruno", "Bruno", "Alma", "Bruno", "Alma", "Alma"]:
        client, headers = clients[name]
        seen.append((name, client.get("/api/v1/persona", **headers).json()["coach_name"]))
        with tenant_context(beta.creator):  # a job for the other creator in between, same connection
            assert Persona.objects.get().coach_name == "Bruno"
    assert all(expected == got for expected, got in seen), seen
