"""Under the Content-Security-Policy the hub, the companion app, the sign-in pages and the API reference
work in Chromium and the browser blocks nothing on them."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from conversations import services
from conversations.identity import CONTACT_COOKIE, contact_token
from tests.browser.test_inbox_in_chromium import browser  # noqa: F401 - fixture
from tests.browser.test_signup_in_chromium import CHROMIUM
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
# Chromium reports a blocked script, style, frame or connection in the console, and as an event.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));"""


def watched_page(context):
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.add_init_script(REPORT_VIOLATIONS)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    return page, blocked


def test_the_hub_and_the_companion_app_run_with_nothing_blocked(alpha, asgi_server, browser):  # noqa: F811
    hub = f"http://alpha.localhost:{asgi_server}"
    page, blocked = watched_page(browser.new_context())
    page.goto(f"{hub}/accounts/login/?next=/hub/")
    page.fill("input[name=login]", alpha.owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{hub}/hub/")
    assert page.get_by_role("heading", name="Welcome to your hub").is_visible()

    page.goto(f"{hub}/hub/widget/")
    page.fill("textarea[name=greeting], input[name=greeting]", "¡Hola! Ask me anything.")
    assert page.locator("#preview-greeting").inner_text() == "¡Hola! Ask me anything.", "the inline script ran"
    page.goto(f"{hub}/hub/inbox/")
    page.wait_for_timeout(500)  # the inbox socket opens
    for path in ("/hub/knowledge/", "/hub/analytics/", "/hub/team/"):
        page.goto(f"{hub}{path}")
    assert blocked == [], blocked

    with tenant_context(alpha.creator):
        contact = services.contact_resolve(email="ana@example.com")
    app_context = browser.new_context()
    token = contact_token(schema=alpha.creator.schema_name, contact_id=contact.pk)
    app_context.add_cookies([{"name": CONTACT_COOKIE, "value": token, "url": hub}])
    app, app_blocked = watched_page(app_context)
    app.goto(f"{hub}/app/")
    app.get_by_role("heading", name="What your coach remembers").wait_for()
    assert app.evaluate("async () => Boolean(await navigator.serviceWorker.getRegistration('/app/'))")
    app.locator("#chat-input").wait_for()
    app.wait_for_timeout(500)  # the chat socket opens
    assert app_blocked == [], app_blocked


def test_sign_in_pages_and_the_api_reference_run_with_nothing_blocked(alpha, asgi_server, browser):  # noqa: F811
    page, blocked = watched_page(browser.new_context())
    for url in (
        f"http://localhost:{asgi_server}/",
        f"http://localhost:{asgi_server}/accounts/signup/",
        f"http://localhost:{asgi_server}/admin/login/",
        f"http://alpha.localhost:{asgi_server}/accounts/login/",
        f"http://alpha.localhost:{asgi_server}/app/",
    ):
        page.goto(url)
    page.goto(f"http://alpha.localhost:{asgi_server}/api/v1/docs/")
    page.locator(".opblock-summary-path", has_text="/api/v1/contacts").first.wait_for()
    assert blocked == [], blocked

    page.goto(f"http://alpha.localhost:{asgi_server}/api/v1/redoc/")
    page.get_by_text("Compañero API").first.wait_for()
    page.locator("[data-section-id]").first.wait_for()
    # Redoc asks Google for its fonts and its own CDN for a logo: the policy keeps the reference offline.
    outside = ("https://fonts.googleapis.com/", "https://cdn.redoc.ly/")
    assert [m for m in blocked if not any(host in m for host in outside)] == [], blocked
