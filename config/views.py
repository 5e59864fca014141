"""Pages of the platform itself, not of any one app."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

FAVICON = "compa/app-icon.svg"


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask every host for /favicon.ico, whatever a page links: a 404 on every page view
    fills the logs. Sent to the static icon, so its address follows the collected file's hash."""
    response = HttpResponseRedirect(static(FAVICON))
    # Not permanent: a browser would keep a hashed address after the icon changes.
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


def demo_site(request: HttpRequest) -> HttpResponse:
    """Development only: a page on the public host (another origin) with the demo creator's snippet."""
    from config.demo import DEMO_SLUG, demo_widget_key  # the seeding code stays out of the web process

    key = demo_widget_key() if settings.DEBUG else None
    if key is None:
        raise Http404("The demo site exists only in development, after `make run` seeded the demo.")
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    creator_origin = f"{settings.PUBLIC_SCHEME}://{DEMO_SLUG}.{settings.PLATFORM_DOMAIN}{port}"
    response = render(request, "config/demo_site.html", {"script": f"{creator_origin}/widget/{key}.js"})
    # Like a creator's own site: it runs the snippet from the creator's host and frames its chat.
    response._csp_update = {"script-src": [creator_origin], "frame-src": [creator_origin]}  # type: ignore[attr-defined]
    return response
