"""Staff suspend a creator from the admin: hub, API and websockets refuse with a clear message."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from tenants.models import Creator
from tenants.services import creator_reinstate, creator_suspend
from tenants.websocket import CLOSE_SUSPENDED, CLOSE_UNKNOWN_HOST, CreatorWebsocketMiddleware
from tests.conftest import client_for
from tests.factories import UserFactory, bearer, host

pytestmark = pytest.mark.django_db


def test_staff_suspend_and_reinstate_from_the_admin(alpha):
    staff = client_for(None, UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    response = staff.post(
        "/admin/tenants/creator/", {"action": "suspend", "_selected_action": [alpha.creator.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Suspended 1 creator" in response.content.decode()
    alpha.creator.refresh_from_db()
    assert alpha.creator.status == Creator.Status.SUSPENDED
    assert alpha.creator.suspended_reason == "Suspended by staff@example.com"
    staff.post("/admin/tenants/creator/", {"action": "reinstate", "_selected_action": [alpha.creator.pk]})
    alpha.creator.refresh_from_db()
    assert alpha.creator.status == Creator.Status.ACTIVE


def test_a_suspended_creators_hub_and_api_refuse_with_a_clear_message(alpha, beta):
    creator_suspend(creator=alpha.creator, reason="unpaid")
    hub = client_for(alpha.creator, alpha.owner).get("/hub/")
    assert hub.status_code == 403
    assert "This coaching space is suspended" in hub.content.decode()
    api = Client(**host(alpha.creator)).get("/api/v1/me", **bearer(alpha.owner, alpha.creator))
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "creator_suspended"
    token = Client(**host(alpha.creator)).post(
        "/api/v1/token", {"email": alpha.owner.email, "password": "x"}, content_type="application/json"
    )
    assert token.status_code == 403
    # Other creators are untouched.
    assert Client(**host(beta.creator)).get("/api/v1/me", **bearer(beta.owner, beta.creator)).status_code == 200
    creator_reinstate(creator=alpha.creator)
    assert client_for(alpha.creator, alpha.owner).get("/hub/").status_code == 200


async def accepted_then_closed(hostname: str) -> tuple[bool, int | None, str]:
    async def inner(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": f"hello {scope['tenant'].slug}"})

    communicator = WebsocketCommunicator(
        CreatorWebsocketMiddleware(inner), "/ws/chat/", headers=[(b"host", hostname.encode())]
    )
    connected, _ = await communicator.connect()
    output = await communicator.receive_output()
    await communicator.disconnect()
    if output["type"] == "websocket.close":
        return connected, output["code"], output.get("reason", "")
    return connected, None, output.get("text", "")


@pytest.mark.django_db(transaction=True)  # the middleware reads from its own thread
async def test_websockets_reach_only_active_known_creators(alpha):
    from asgiref.sync import sync_to_async
    from django.db import connections

    connected, code, text = await accepted_then_closed("alpha.localhost:8000")
    assert (connected, code, text) == (True, None, "hello alpha")
    _, code, reason = await accepted_then_closed("nobody.localhost:8000")
    assert code == CLOSE_UNKNOWN_HOST
    assert "No coaching space" in reason
    await sync_to_async(creator_suspend)(creator=alpha.creator, reason="test")
    _, code, reason = await accepted_then_closed("alpha.localhost:8000")
    assert code == CLOSE_SUSPENDED
    assert "suspended" in reason
    await database_sync_to_async(connections.close_all)()


def test_staff_see_platform_usage(alpha, beta):
    from tenants.services import creator_suspend

    creator_suspend(creator=beta.creator)
    staff = client_for(None, UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    listing = staff.get("/admin/tenants/creator/")
    assert "Platform usage" in listing.content.decode()
    assert "Alpha" in listing.content.decode()
    assert "Template" not in listing.content.decode(), "the template and public schemas are not creators"
    page = staff.get("/admin/tenants/creator/usage/").content.decode()
    assert "<strong>2</strong> creators (1 active, 1 suspended)" in page
    assert 'aria-label="Sign-ups per day"' in page
