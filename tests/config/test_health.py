"""/healthz tells operators whether the platform can serve, and names the part that cannot."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import free_port
from tests.factories import host

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy(settings, chroma_url, ollama):
    settings.CHROMA_URL = chroma_url
    settings.OLLAMA_BASE_URL = ollama.url
    settings.HEALTHCHECK_TIMEOUT_SECONDS = 0.5
    return settings


def health(creator=None):
    response = Client(**host(creator)).get("/healthz")
    return response.status_code, response.json()


def test_it_answers_200_when_every_part_is_reachable(healthy, alpha):
    for creator in (None, alpha.creator):
        status, body = health(creator)
        assert status == 200, body
        assert body["status"] == "ok"
        assert body["failing"] == []
        assert {name: check["backend"] for name, check in body["checks"].items()} == {
            "database": "postgresql",
            "redis": "redis",
            "vector_store": "chroma",
            "llm": "ollama",
        }


def test_the_embedded_composer_needs_no_llm_server(healthy, alpha):
    healthy.OLLAMA_BASE_URL = ""
    status, body = health(alpha.creator)
    assert status == 200
    assert body["checks"]["llm"]["backend"] == "embedded grounded composer"


def test_it_names_redis_when_redis_is_down(healthy, alpha):
    healthy.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    status, body = health(alpha.creator)
    assert status == 503
    assert body["failing"] == ["redis"]
    assert "Connection" in body["checks"]["redis"]["error"]


def test_it_names_the_vector_store_when_chroma_is_down_or_unset(healthy, alpha):
    healthy.CHROMA_URL = f"http://127.0.0.1:{free_port()}"
    assert health(alpha.creator)[1]["failing"] == ["vector_store"]
    healthy.CHROMA_URL = ""
    status, body = health(alpha.creator)
    assert status == 503
    assert body["checks"]["vector_store"]["error"] == "RuntimeError: CHROMA_URL is not set"


def test_it_names_the_llm_when_ollama_is_down_or_too_slow(healthy, alpha, ollama):
    ollama.delay = 1.0
    status, body = health(alpha.creator)
    assert status == 503
    assert body["failing"] == ["llm"]
    assert "Timeout" in body["checks"]["llm"]["error"]
    ollama.stop()
    assert health(alpha.creator)[1]["failing"] == ["llm"]


def test_a_suspended_creators_host_still_reports_health(healthy, alpha):
    from tenants.services import creator_suspend

    creator_suspend(creator=alpha.creator)
    assert health(alpha.creator)[0] == 200
