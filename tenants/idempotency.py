"""`Idempotency-Key` on API POSTs: a retried request gets the first answer back instead of acting twice.

Answers are kept for a day, per credential (the Authorization header or session) and per creator
(creator_key on a creator's host; platform_key on the public host, whose API serves no creator).
The same key with a different body is refused, as is a key whose
first request is still running.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from redis.exceptions import RedisError

from tenants.api_errors import error_response
from tenants.scope import creator_key, platform_key

PENDING_SECONDS = 120
MAX_KEY_LENGTH = 255
# Bodies up to this size are part of the fingerprint; larger ones (uploads) by length and type.
FINGERPRINT_BODY_BYTES = 1024 * 1024
REPLAYED_HEADERS = ("Content-Type", "Location")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return error_response(code, message, status)


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length <= FINGERPRINT_BODY_BYTES:
        digest.update(request.body)
    else:
        digest.update(f"{length} {request.content_type}".encode())
    return digest.hexdigest()


def _cache_key(request: HttpRequest, idempotency_key: str) -> str:
    credential = request.headers.get("Authorization", "") + "|" + request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    principal = hashlib.sha256(credential.encode()).hexdigest()[:32]
    key = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    if getattr(getattr(request, "tenant", None), "schema_name", None) == settings.PUBLIC_SCHEMA_NAME:
        return platform_key("idempotency", principal, key)
    return creator_key("idempotency", principal, key)


class IdempotencyKeyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        idempotency_key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or idempotency_key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not idempotency_key.strip() or len(idempotency_key) > MAX_KEY_LENGTH:
            return _error(400, "invalid_idempotency_key", f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.")
        cache_key, fingerprint = _cache_key(request, idempotency_key), _fingerprint(request)
        try:
            if not cache.add(cache_key, {"fingerprint": fingerprint, "pending": True}, timeout=PENDING_SECONDS):
                return self._replay(cache.get(cache_key), fingerprint)
        except RedisError:  # without the store, "once" cannot be promised: nothing is done
            response = _error(503, "idempotency_unavailable", "Requests with an Idempotency-Key cannot run just now.")
            response["Retry-After"] = "5"
            return response
        try:
            response = self.get_response(request)
        except BaseException:
            cache.delete(cache_key)
            raise
        if response.streaming:
            cache.set(cache_key, {"fingerprint": fingerprint, "streamed": True}, settings.IDEMPOTENCY_KEY_SECONDS)
        elif response.status_code >= 500 or response.status_code == 429:
            cache.delete(cache_key)  # nothing happened that a retry would repeat
        else:
            stored = {
                "fingerprint": fingerprint,
                "status": response.status_code,
                "content": response.content,
                "headers": {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
            }
            cache.set(cache_key, stored, settings.IDEMPOTENCY_KEY_SECONDS)
        return response

    def _replay(self, stored: dict[str, Any] | None, fingerprint: str) -> HttpResponse:
        if stored is None:  # expired between the two lookups
            return _error(409, "idempotency_retry", "Please retry this request.")
        if stored["fingerprint"] != fingerprint:
            return _error(
                422, "idempotency_key_reused", "This Idempotency-Key was already used for a different request."
            )
        if stored.get("pending"):
            return _error(
                409, "idempotency_in_progress", "The first request with this Idempotency-Key is still running."
            )
        if stored.get("streamed"):
            return _error(
                409,
                "idempotency_streamed",
                "This request was already answered as a stream; read the conversation's messages for the reply.",
            )
        response = HttpResponse(stored["content"], status=stored["status"])
        for name, value in stored["headers"].items():
            response[name] = value
        response["Idempotent-Replayed"] = "true"
        return response
