"""Every endpoint of API v1, fuzzed from its own OpenAPI schema as an authenticated creator:
no server errors, and no answer that breaks the schema it is documented with."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from config.wsgi import application
from tenants.api_throttles import PerCredentialThrottle, PerIpThrottle
from tests.factories import bearer

pytestmark = pytest.mark.django_db
UNLIMITED = {"api_credential": "100000/minute", "api_ip": "100000/minute"}

# The same document /api/v1/schema/ serves on a creator's host (a test below proves it).
schema = schemathesis.openapi.from_dict(SchemaGenerator(urlconf="config.urls_tenant").get_schema(public=True))
schema.app = application


@pytest.fixture
def creator_headers(alpha, knowledge, monkeypatch):
    monkeypatch.setattr(PerCredentialThrottle, "THROTTLE_RATES", UNLIMITED)
    monkeypatch.setattr(PerIpThrottle, "THROTTLE_RATES", UNLIMITED)
    # As Django's test client does: requests must not close the test's connection (and transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Host": alpha.creator.hostname, "Authorization": bearer(alpha.owner, alpha.creator)["HTTP_AUTHORIZATION"]}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_fuzzed_schema_is_the_one_the_api_serves(alpha):
    from django.test import Client

    from tests.factories import host

    served = Client(**host(alpha.creator)).get("/api/v1/schema/?format=json").json()
    assert served["paths"].keys() == schema.raw_schema["paths"].keys()
    assert served["openapi"].startswith("3.1")


@schema.parametrize()
@hypothesis_settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_its_own_schema(case, creator_headers):
    case.call_and_validate(headers=creator_headers, checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/", "/api/v1/schema/"])
def test_both_hosts_serve_the_reference_with_their_own_assets(alpha, path):
    from django.test import Client

    from tests.factories import host

    for client in (Client(**host()), Client(**host(alpha.creator))):
        page = client.get(path)
        assert page.status_code == 200, path
        if path != "/api/v1/schema/":
            body = page.content.decode()
            assert "/static/drf_spectacular_sidecar/" in body and "cdn" not in body.lower()
