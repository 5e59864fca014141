"""Every JSON refusal has one shape, {"error": {"code", "message", "fields"}}, whichever layer says
no: DRF's handler, an API view answering itself, a plain Django view, or a middleware."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client, RequestFactory
from django_tenants.utils import tenant_context

from conversations import services
from conversations.identity import CONTACT_COOKIE, contact_token
from tenants.services import creator_suspend
from tenants.views import bad_request
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db


def assert_envelope(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = json.loads(response.content)  # not response.json(): some responses come from a view called directly
    assert list(body) == ["error"]
    assert sorted(body["error"]) == ["code", "fields", "message"]
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)


def test_every_json_refusal_has_the_same_shape(alpha):
    api, auth = Client(**host(alpha.creator)), bearer(alpha.owner, alpha.creator)
    # DRF's exception handler
    invalid = api.post("/api/v1/contacts", {"email": "not-an-email"}, content_type="application/json", **auth)
    assert_envelope(invalid, 400, "invalid")
    assert json.loads(invalid.content)["error"]["fields"]["email"]
    assert_envelope(api.get("/api/v1/contacts/7b5e0b5e-0000-4000-8000-000000000000", **auth), 404, "not_found")
    # An API view that answers a refusal itself (knowledge/api.py)
    too_large = api.post("/api/v1/documents", {}, CONTENT_LENGTH="999999999999", **auth)
    assert_envelope(too_large, 413, "too_large")
    # The Idempotency-Key middleware
    key = api.post("/api/v1/contacts", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k" * 300, **auth)
    assert_envelope(key, 400, "invalid_idempotency_key")
    # Plain Django views: the companion app's push endpoint, Django's own 400s, an unknown host
    app = Client(**host(alpha.creator))
    assert_envelope(app.post("/app/push/", "{}", content_type="application/json"), 403, "signed_out")
    with tenant_context(alpha.creator):
        contact = services.contact_resolve(email="ana@example.com")
    app.cookies[CONTACT_COOKIE] = contact_token(schema=alpha.creator.schema_name, contact_id=contact.pk)
    assert_envelope(app.post("/app/push/", "not json", content_type="application/json"), 400, "invalid")
    assert_envelope(app.post("/app/push/", "{}", content_type="application/json"), 400, "invalid")
    request = RequestFactory().post("/api/v1/documents")
    assert_envelope(bad_request(request, RequestDataTooBig()), 413, "too_large")
    assert_envelope(bad_request(request, ValueError()), 400, "bad_request")
    assert_envelope(Client(HTTP_HOST="nobody.localhost:8000").get("/api/v1/me"), 404, "unknown_host")
    # The suspended-creator middleware
    creator_suspend(creator=alpha.creator, reason="unpaid")
    assert_envelope(api.get("/api/v1/me", **auth), 403, "creator_suspended")
