"""The Content-Security-Policy of every page: django-csp with the policy in settings, plus this host's
websocket and the exceptions a few pages need.

Inline scripts carry `nonce="{{ request.csp_nonce }}"`. A page that needs a different directive
says so on its response (`_csp_replace` / `_csp_update`): the widget frame keeps the strict policy
with frame-ancestors set to the creator's allowed sites.
"""

from __future__ import annotations

from typing import Any

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase
from django.http.request import split_domain_port


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """connect-src names this host's websocket: 'self' covers ws:/wss: only in browsers that
    follow CSP Level 3 there (older Safari does not), and the host differs per creator."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()  # validated against ALLOWED_HOSTS: no spaces or ';'
        except DisallowedHost:
            return parts
        update: dict[str, Any] = dict(parts.update or {})
        scheme = "wss" if request.is_secure() else "ws"
        update["connect-src"] = [*_as_list(update.get("connect-src")), f"{scheme}://{host}"]
        tenant = getattr(request, "tenant", None)
        if tenant is not None and tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
            # Signing up or in, or opening a hub, on the public host ends in a redirect to the
            # creator's own host, and form-action also rules where a sent form is redirected.
            port = split_domain_port(host)[1]
            creators = f"{request.scheme}://*.{settings.PLATFORM_DOMAIN}" + (f":{port}" if port else "")
            update["form-action"] = [*_as_list(update.get("form-action")), creators]
        parts.update = update
        return parts


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# Swagger UI's page and Redoc write <style> elements (Redoc's styled-components at run time), and
# Redoc searches in a worker made from a blob: URL. Scripts stay 'self' only: Swagger UI's set-up
# script is served as a file (SpectacularSwaggerSplitView), not inline.
# Replaced, not added to: next to a nonce, browsers ignore 'unsafe-inline'.
api_reference_policy = csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})
