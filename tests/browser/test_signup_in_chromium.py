"""A creator signs up in a real browser and lands in their own hub on their own host."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's event loop lives in this thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_sign_up_shape_the_coach_and_stay_signed_in(platform, live_server, page, tmp_path):
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://localhost:{port}/")
    page.get_by_role("link", name="Create your coaching space").click()
    assert page.get_by_text(f"Your coach will live at your-name.localhost:{port}.").is_visible()
    page.fill("input[name=name]", "Rosa Díaz")
    page.fill("input[name=email]", "browser@example.com")
    page.fill("input[name=password1]", "a-very-good-password-1")
    page.fill("input[name=password2]", "a-very-good-password-1")
    page.fill("input[name=business_name]", "Río Running Club")
    page.fill("input[name=slug]", "rio-running")
    page.get_by_role("button", name="Sign Up").click()

    page.wait_for_url(f"http://rio-running.localhost:{port}/hub/")
    assert page.get_by_role("heading", name="Welcome to your hub").is_visible()
    assert "Owner" in page.content()

    page.get_by_role("link", name="Persona").first.click()
    page.fill("input[name=coach_name]", "Rita")
    page.get_by_role("button", name="Save persona").click()
    assert page.get_by_text("Your coach's persona is saved.").is_visible()
    page.screenshot(path=str(tmp_path / "persona.png"))

    # The creator's session does not exist on the public host or on another creator's host.
    page.goto(f"http://alpha.localhost:{port}/hub/")
    assert "/accounts/login/" in page.url


def test_a_taken_slug_is_explained_on_the_form(platform, live_server, page):
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://localhost:{port}/accounts/signup/")
    page.fill("input[name=name]", "Carla Copy")
    page.fill("input[name=email]", "second@example.com")
    page.fill("input[name=password1]", "a-very-good-password-1")
    page.fill("input[name=password2]", "a-very-good-password-1")
    page.fill("input[name=business_name]", "Copycat")
    page.fill("input[name=slug]", "alpha")
    page.get_by_role("button", name="Sign Up").click()
    assert page.get_by_text("“alpha” is already taken. Please choose another.").is_visible()
