"""JWTs are bound to one creator: a token minted for A is refused on B's host."""

from __future__ import annotations

from typing import Any

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
