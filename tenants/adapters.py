from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from tenants.auth_limits import client_ip, login_failure_record, login_wait_seconds
from tenants.models import User
from tenants.services import user_refresh_tokens_revoke


class CreatorAccountAdapter(DefaultAccountAdapter):
    """Creators sign up on the public host; team members join through invitations on a creator host."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        tenant = getattr(request, "tenant", None)
        return tenant is None or tenant.schema_name == settings.PUBLIC_SCHEMA_NAME

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    # allauth keeps its failed-login counters in the default cache, whose keys carry the schema
    # (and it adds the host to the key): every creator's host would be a fresh budget. These two
    # hooks replace them with the platform-wide budget POST /api/v1/token spends too.
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        if login_wait_seconds(request, login=credentials.get("email", "")):
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login_failure_record(request, login=credentials.get("email", ""))

    def set_password(self, user: User, password: str) -> None:
        """Changed or reset: refresh tokens minted with the old password stop working."""
        super().set_password(user, password)
        user_refresh_tokens_revoke(user=user)

    def logout(self, request: HttpRequest) -> None:
        """Signing out of the hub signs the person's API clients out too (access tokens expire in minutes)."""
        user = request.user
        super().logout(request)
        if user.is_authenticated:
            user_refresh_tokens_revoke(user=user)
