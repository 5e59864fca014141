from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from tenants.auth_limits import TooManyAttempts, attempt_release, client_ip, login_attempt_consume
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
    # (and it adds the host to the key): every creator's host would be a fresh budget. These hooks
    # replace them with the platform-wide budget POST /api/v1/token spends too. The attempt is counted
    # before the password is checked (parallel guesses cannot all slip under the budget) and taken
    # back when it succeeds.
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Counted in `authenticate`, which is the one place that knows whether the attempt succeeded."""

    def authenticate(self, request: HttpRequest, **credentials: Any) -> User | None:
        try:
            counted = login_attempt_consume(request, login=credentials.get("email", ""))
        except TooManyAttempts as exc:
            raise self.validation_error("too_many_login_attempts") from exc
        user = super().authenticate(request, **credentials)
        if user is not None:
            attempt_release(counted)
        return user

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
