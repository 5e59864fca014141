"""Pages of the platform itself, not of any one app."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


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
