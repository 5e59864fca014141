from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class CreatorAccountAdapter(DefaultAccountAdapter):
    """Creators sign up on the public host; team members join through invitations on a creator host."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        tenant = getattr(request, "tenant", None)
        return tenant is None or tenant.schema_name == settings.PUBLIC_SCHEMA_NAME
