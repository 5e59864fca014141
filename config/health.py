"""/healthz: can the platform serve? Each dependency is probed with a short timeout."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "postgresql"


def check_redis() -> str:
    timeout = settings.HEALTHCHECK_TIMEOUT_SECONDS
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return "redis"


def check_vector_store() -> str:
    if not settings.CHROMA_URL:
        raise RuntimeError("CHROMA_URL is not set")
    url = settings.CHROMA_URL.rstrip("/") + "/api/v2/heartbeat"
    httpx.get(url, timeout=settings.HEALTHCHECK_TIMEOUT_SECONDS).raise_for_status()
    return "chroma"


def check_llm() -> str:
    if not settings.OLLAMA_BASE_URL:
        return "embedded grounded composer"
    url = settings.OLLAMA_BASE_URL.rstrip("/") + "/api/tags"
    httpx.get(url, timeout=settings.HEALTHCHECK_TIMEOUT_SECONDS).raise_for_status()
    return "ollama"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "vector_store": check_vector_store,
    "llm": check_llm,
}


def run_checks() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            results[name] = {"ok": True, "backend": check()}
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


@csrf_exempt
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)
