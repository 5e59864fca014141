"""What a developer can count on across API v1: pages, filters, errors, retries, caching, limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from conversations.models import Contact, Conversation, Message
from tenants.api_throttles import PerCredentialThrottle, PerIpThrottle
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alpha):
    client = Client(**host(alpha.creator))
    client.defaults.update(bearer(alpha.owner, alpha.creator))
    return client


def contacts_in(team, count: int, tag: str = "page") -> list[Contact]:
    with tenant_context(team.creator):
        base = timezone.now()
        return Contact.objects.bulk_create(
            Contact(email=f"{tag}{n}@example.com", tags=[tag], created_at=base - timedelta(seconds=n))
            for n in range(count)
        )


def test_lists_page_by_cursor_without_gaps_or_repeats(alpha, api):
    made = {str(c.id) for c in contacts_in(alpha, 23)}
    seen, url, pages = [], "/api/v1/contacts?tag=page&limit=10", 0
    while url:
        body = api.get(url).json()
        seen += [c["id"] for c in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 23 and set(seen) == made
    assert api.get("/api/v1/contacts?cursor=garbage").status_code == 404


def test_lists_filter_and_order(alpha, api):
    contacts_in(alpha, 3, tag="vip")
    contacts_in(alpha, 2, tag="trial")
    vip = api.get("/api/v1/contacts?tag=vip&ordering=created_at").json()["results"]
    assert [c["email"] for c in vip] == ["vip2@example.com", "vip1@example.com", "vip0@example.com"]
    newest_first = api.get("/api/v1/contacts?tag=vip&ordering=-created_at").json()["results"]
    assert [c["email"] for c in newest_first] == ["vip0@example.com", "vip1@example.com", "vip2@example.com"]
    assert api.get("/api/v1/contacts?q=trial1").json()["results"][0]["email"] == "trial1@example.com"
    refused = api.get("/api/v1/contacts?seen_after=yesterday")
    assert refused.status_code == 400 and "seen_after" in refused.json()["error"]["fields"]


def test_errors_share_one_shape(api):
    bad = api.post("/api/v1/contacts", {"email": "not-an-email"}, content_type="application/json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]) == {"code", "message", "fields"}
    assert "email" in bad.json()["error"]["fields"]
    missing = api.get("/api/v1/contacts/7b5e0b5e-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_timestamps_are_iso_8601_utc_and_ids_are_uuids(alpha, api):
    import uuid

    created = api.post("/api/v1/contacts", {"email": "iso@example.com"}, content_type="application/json").json()
    assert uuid.UUID(created["id"])
    assert created["created_at"].endswith("Z") and "T" in created["created_at"]


def test_the_same_idempotency_key_twice_creates_once(alpha, api):
    body = {"email": "once@example.com", "display_name": "Once"}
    first = api.post("/api/v1/contacts", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/contacts", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    with tenant_context(alpha.creator):
        assert Contact.objects.filter(email="once@example.com").count() == 1
    other_body = api.post(
        "/api/v1/contacts", {"email": "other@example.com"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other_body.status_code == 422 and other_body.json()["error"]["code"] == "idempotency_key_reused"
    without_key = api.post("/api/v1/contacts", body, content_type="application/json")
    assert without_key.status_code == 409, "without a key, a second create is a conflict, not a duplicate"


def test_idempotency_keys_are_per_credential_and_per_creator(alpha, beta, api):
    body = {"email": "shared-key@example.com"}
    api.post("/api/v1/contacts", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same")
    in_beta = Client(**host(beta.creator)).post(
        "/api/v1/contacts",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="same",
        **bearer(beta.owner, beta.creator),
    )
    assert in_beta.status_code == 201 and not in_beta.has_header("Idempotent-Replayed")
    with tenant_context(beta.creator):
        assert Contact.objects.filter(email="shared-key@example.com").exists()


def test_an_oversized_idempotency_key_is_refused(api):
    response = api.post("/api/v1/contacts", {"email": "x@example.com"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k" * 300)  # fmt: skip
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"


def test_reads_carry_an_etag_and_an_unchanged_resource_answers_304(alpha, api):
    first = api.get("/api/v1/persona")
    etag = first["ETag"]
    assert etag
    assert api.get("/api/v1/persona", HTTP_IF_NONE_MATCH=etag).status_code == 304
    api.patch("/api/v1/persona", {"coach_name": "Nova"}, content_type="application/json")
    changed = api.get("/api/v1/persona", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["coach_name"] == "Nova"


def test_a_spent_key_budget_answers_429_with_retry_after(alpha, api, monkeypatch):
    monkeypatch.setattr(PerCredentialThrottle, "THROTTLE_RATES", {"api_credential": "3/minute", "api_ip": "100/minute"})
    monkeypatch.setattr(PerIpThrottle, "THROTTLE_RATES", {"api_credential": "3/minute", "api_ip": "100/minute"})
    statuses = [api.get("/api/v1/persona").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.get("/api/v1/persona")
    assert int(refused["Retry-After"]) > 0 and refused.json()["error"]["code"] == "throttled"
    coach = Client(**host(alpha.creator)).get("/api/v1/persona", **bearer(alpha.coach, alpha.creator))
    assert coach.status_code == 200, "another credential has its own budget"


def test_one_ip_has_a_budget_across_credentials(alpha, monkeypatch):
    rates = {"api_credential": "100/minute", "api_ip": "2/minute"}
    monkeypatch.setattr(PerCredentialThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(PerIpThrottle, "THROTTLE_RATES", rates)
    client = Client(**host(alpha.creator))
    for person in (alpha.owner, alpha.coach):
        assert client.get("/api/v1/persona", **bearer(person, alpha.creator)).status_code == 200
    refused = client.get("/api/v1/persona", **bearer(alpha.owner, alpha.creator))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    elsewhere = client.get("/api/v1/persona", REMOTE_ADDR="10.1.2.3", **bearer(alpha.owner, alpha.creator))
    assert elsewhere.status_code == 200


def test_an_expired_jwt_is_refused(alpha):
    headers = bearer(alpha.owner, alpha.creator)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        refused = Client(**host(alpha.creator)).get("/api/v1/persona", **headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_not_valid"


LISTS = ["/api/v1/conversations", "/api/v1/contacts", "/api/v1/documents", "/api/v1/team/members", "/api/v1/api-keys"]


@pytest.mark.parametrize("path", LISTS)
def test_list_queries_do_not_grow_with_the_page(alpha, api, path):
    with tenant_context(alpha.creator):
        for n in range(3):
            contact = Contact.objects.create(email=f"nplus{n}@example.com")
            conversation = Conversation.objects.create(contact=contact)
            Message.objects.create(conversation=conversation, author="user", text="hi")
    api.get(path)  # warm caches (membership, widget)
    with CaptureQueriesContext(connection) as small:
        assert api.get(f"{path}?limit=1").status_code == 200
    with CaptureQueriesContext(connection) as large:
        assert api.get(f"{path}?limit=50").status_code == 200
    assert len(large) == len(small) <= 14, [q["sql"][:120] for q in large.captured_queries]


def test_a_retry_while_the_first_request_still_runs_is_told_to_wait(alpha, api):
    from django.core.cache import cache
    from django_tenants.utils import tenant_context

    from tenants.idempotency import _cache_key

    class Pending:  # the first request, as the middleware marks it while it runs
        headers = {"Authorization": api.defaults["HTTP_AUTHORIZATION"]}
        COOKIES: dict = {}

    body = {"email": "slow@example.com"}
    response_first = api.post("/api/v1/contacts", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="warm")
    with tenant_context(alpha.creator):
        stored = cache.get(_cache_key(Pending, "warm"))
        cache.set(_cache_key(Pending, "slow"), {**stored, "pending": True}, 60)
    retried = api.post("/api/v1/contacts", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="slow")
    assert response_first.status_code == 201
    assert retried.status_code == 409 and retried.json()["error"]["code"] == "idempotency_in_progress"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('{"email": "' + "a" * 3_000_000 + '@example.com"}', "application/json", 413),
        ("email=x@example.com", "text/plain", 415),
        ("[1, 2, 3]", "application/json", 400),
    ],
)
def test_bad_bodies_get_a_clear_error_and_change_nothing(alpha, api, body, content_type, status):
    response = api.post("/api/v1/contacts", body, content_type=content_type, HTTP_IDEMPOTENCY_KEY="bad-body")
    assert response.status_code == status, response.content[:200]
    assert response.json()["error"]["message"]
    with tenant_context(alpha.creator):
        assert not Contact.objects.filter(email__startswith="aaaa").exists()


def test_fields_the_server_owns_cannot_be_written(alpha, api):
    made = api.post(
        "/api/v1/contacts",
        {"email": "owned@example.com", "id": "00000000-0000-4000-8000-000000000000", "anonymous": True,
         "created_at": "2000-01-01T00:00:00Z"},
        content_type="application/json",
    ).json()  # fmt: skip
    assert made["id"] != "00000000-0000-4000-8000-000000000000"
    assert made["anonymous"] is False and not made["created_at"].startswith("2000")


DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a": ' * 1_000 + "1" + "}" * 1_000


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_a_body_nested_too_deeply_is_a_400_not_a_crash(alpha, api, body):
    public = Client(**host())
    on_creator = Client(**host(alpha.creator))
    widget = api.get("/api/v1/widgets").json()["results"][0]["id"]
    responses = [
        public.post("/api/v1/token", body, content_type="application/json"),
        on_creator.post("/api/v1/token", body, content_type="application/json"),
        api.post("/api/v1/contacts", body, content_type="application/json"),
        api.patch(f"/api/v1/widgets/{widget}", body, content_type="application/json"),
        api.post("/api/v1/web-pages", body, content_type="application/json"),
    ]
    for response in responses:
        assert response.status_code == 400, response.content[:200]
        assert response.json()["error"]["code"] == "parse_error"
        assert "nested too deeply" in response.json()["error"]["message"]
