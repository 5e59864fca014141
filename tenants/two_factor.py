"""Two-factor sign-in (allauth.mfa: TOTP apps and recovery codes) for the API and the staff admin.

The hub's own sign-in form asks for the code through allauth's login stage; this module covers
what allauth does not: POST /api/v1/token and the rule that staff turn two-factor on.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tenants.models import User
from tenants.scope import platform_key

ADMIN_PATH = "/admin/"
ADMIN_PATHS_WITHOUT_TWO_FACTOR = ("/admin/logout/",)


def user_two_factor_enabled(user: User) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
        ).exists()
    )


def two_factor_code_accept(*, user: User, code: str) -> bool:
    """True once for a current TOTP code or an unused recovery code; a code works one time only."""
    code = code.strip()
    if not code or len(code) > 32:
        return False
    authenticators = Authenticator.objects.filter(
        user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    )
    for authenticator in authenticators:
        if authenticator.type == Authenticator.Type.TOTP:
            if not validate_totp_code(decrypt(authenticator.data["secret"]), code):
                continue
            # Marked in the cache every host shares, so a code seen once is not replayed elsewhere.
            period = mfa_settings.TOTP_PERIOD * (2 * mfa_settings.TOTP_TOLERANCE + 1)
            if not caches["limits"].add(platform_key("auth", "totp-used", user.pk, code), 1, timeout=period):
                return False
        elif not RecoveryCodes(authenticator).validate_code(code):
            continue
        authenticator.record_usage()
        return True
    return False


class StaffTwoFactorMiddleware:
    """With STAFF_REQUIRE_MFA on, a staff member reaches the admin only after turning on two-factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up(request):
            messages.warning(request, _("Turn on two-factor authentication before using the staff admin."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _must_set_up(request: HttpRequest) -> bool:
        if not settings.STAFF_REQUIRE_MFA or not request.path.startswith(ADMIN_PATH):
            return False
        if request.path.startswith(ADMIN_PATHS_WITHOUT_TWO_FACTOR):
            return False
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.schema_name != settings.PUBLIC_SCHEMA_NAME:
            return False
        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and user.is_staff and not user_two_factor_enabled(user))
