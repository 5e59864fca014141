"""DRF permissions that mirror the hub's role table."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tenants.models import ApiKey, Creator
from tenants.roles import Capability
from tenants.selectors import membership_for


def request_membership(request: Request) -> Any:
    """The caller's membership in this host's creator, looked up once per request."""
    if not hasattr(request, "_compa_membership"):
        tenant = getattr(request._request, "tenant", None)
        member = None
        if isinstance(tenant, Creator):
            member = membership_for(user=request.user, creator=tenant)
        request._compa_membership = member  # type: ignore[attr-defined]
    return request._compa_membership  # type: ignore[attr-defined]


class IsCreatorMember(BasePermission):
    message = "You are not a member of this coaching space."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if isinstance(request.auth, ApiKey) and not request.auth.allows_method(request.method):
            raise PermissionDenied("This API key is read-only.", code="read_only_key")
        return request_membership(request) is not None


def requires(capability: Capability) -> type[BasePermission]:
    """Permission class for a view that needs one capability of the member's role."""

    class HasCapability(IsCreatorMember):
        message = f"Your role does not allow this ({capability.value.replace('_', ' ')})."

        def has_permission(self, request: Request, view: Any) -> bool:
            member = request_membership(request) if super().has_permission(request, view) else None
            return member is not None and member.can(capability)

    HasCapability.__name__ = f"Requires_{capability.value}"
    return HasCapability


class ContentPermissions:
    """View mixin: reading needs view_content, anything else needs edit_content."""

    def get_permissions(self) -> list:
        method = self.request.method  # type: ignore[attr-defined]
        return [requires(Capability.VIEW_CONTENT if method == "GET" else Capability.EDIT_CONTENT)()]
