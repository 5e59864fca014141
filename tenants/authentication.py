"""JWTs are bound to one creator: a token minted for A is refused on B's host."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from tenants.services import CREATOR_CLAIM


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


class CreatorJWTScheme(SimpleJWTScheme):
    """Documents the creator-bound JWT in the OpenAPI schema."""

    target_class = "tenants.authentication.CreatorJWTAuthentication"
    name = "creatorJWT"
