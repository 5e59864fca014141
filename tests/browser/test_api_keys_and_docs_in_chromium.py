"""An owner makes an API key in the hub and opens the API reference, which loads nothing from outside."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.test_inbox_in_chromium import browser  # noqa: F401 - fixture
from tests.browser.test_signup_in_chromium import CHROMIUM
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def test_an_owner_makes_a_key_and_reads_the_api_reference_offline(alpha, asgi_server, browser):  # noqa: F811
    hub = f"http://alpha.localhost:{asgi_server}"
    page = browser.new_context().new_page()
    page.set_default_timeout(20_000)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{hub}/accounts/login/?next=/hub/api-keys/")
    page.fill("input[name=login]", alpha.owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{hub}/hub/api-keys/")

    page.fill("input[name=name]", "Booking site")
    page.select_option("select[name=scope]", "read")
    page.get_by_role("button", name="Make key").click()
    key = page.get_by_test_id("new-key").inner_text().strip()
    assert key.startswith("ck_")
    assert page.get_by_role("row", name="Booking site").get_by_text("never").is_visible()
    headers = {"Host": f"alpha.localhost:{asgi_server}", "Authorization": f"Api-Key {key}"}
    answer = httpx.get(f"http://127.0.0.1:{asgi_server}/api/v1/persona", headers=headers)
    assert answer.status_code == 200

    page.get_by_role("link", name="Compañero API").click()
    page.locator(".opblock-summary-path", has_text="/api/v1/contacts").first.wait_for()
    assert page.locator(".opblock").count() > 40, "every operation is listed"
    assert hosts == {f"alpha.localhost:{asgi_server}"}, f"nothing loaded from elsewhere: {hosts}"
