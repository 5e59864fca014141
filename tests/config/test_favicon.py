"""Browsers ask every host for /favicon.ico: each answers with the Compañero icon, never a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import host

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("on", ["public", "creator"])
def test_it_answers_favicon_ico_with_the_icon_on_every_host(alpha, on):
    browser = Client(**host(alpha.creator if on == "creator" else None))
    response = browser.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain, "sent to the static icon"
    assert response["Content-Type"].startswith("image/svg+xml")
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"<svg")


def test_pages_link_the_icon(alpha):
    page = Client(**host()).get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/compa/app-icon.svg"' in page
