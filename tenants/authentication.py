"""API credentials, each bound to one creator: a JWT or API key of A is refused on B's host."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from tenants.selectors import api_key_for_secret
from tenants.services import CREATOR_CLAIM, api_key_touch

API_KEY_KEYWORD = "Api-Key"


class CreatorJWTAuthentication(JWTAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        tenant = getattr(request._request, "tenant", None)
        if tenant is None or token.get(CREATOR_CLAIM) != tenant.schema_name:
            raise exceptions.PermissionDenied("This token belongs to another coaching space.")
        return user, token


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key ck_<prefix>.<secret>` for a creator's servers."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        keyword, _, raw_key = get_authorization_header(request).decode("latin-1").partition(" ")
        if keyword != API_KEY_KEYWORD:
            return None
        key = api_key_for_secret(raw_key=raw_key.strip())
        if key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid, or it was revoked.")
        tenant = getattr(request._request, "tenant", None)
        if tenant is None or key.creator_id != tenant.pk:
            raise exceptions.PermissionDenied("This API key belongs to another coaching space.")
        api_key_touch(key=key)
        return key.created_by, key

    def authenticate_header(self, request: Request) -> str:
        return f'{API_KEY_KEYWORD} realm="api"'


class CreatorJWTScheme(SimpleJWTScheme):
    """Documents the creator-bound JWT in the OpenAPI schema."""

    target_class = "tenants.authentication.CreatorJWTAuthentication"
    name = "creatorJWT"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key ck_<prefix>.<secret>`, made in the hub (API keys) or by POST /api/v1/api-keys.",
        }
