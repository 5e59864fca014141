"""A coach drops a file on the Knowledge page and watches it become ready, then asks about it."""

from __future__ import annotations

import pytest

from tests.browser.test_signup_in_chromium import CHROMIUM, page  # noqa: F401 - the page fixture
from tests.knowledge.samples import pdf_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def worker():
    """A real Dramatiq worker on the test broker, as `make run` has."""
    import dramatiq
    from dramatiq import Worker

    broker = dramatiq.get_broker()
    running = Worker(broker, worker_threads=1, worker_timeout=100)
    running.start()
    yield running
    running.stop()
    broker.flush_all()


def test_an_uploaded_pdf_shows_progress_then_ready(platform, knowledge, live_server, page, worker, tmp_path):  # noqa: F811
    alpha = platform["alpha"]
    port = live_server.url.rsplit(":", 1)[1]
    guide = tmp_path / "protein-guide.pdf"
    guide.write_bytes(pdf_bytes([["Protein: eat about 1.6 grams per kilogram of body weight daily."]]))

    page.goto(f"http://alpha.localhost:{port}/accounts/login/?next=/hub/knowledge/")
    page.fill("input[name=login]", alpha.coach.email)
    page.fill("input[name=password]", "a-long-test-password-42")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"http://alpha.localhost:{port}/hub/knowledge/")

    page.set_input_files("input[type=file]", str(guide))  # choosing a file submits the form
    page.wait_for_selector("text=protein-guide.pdf is being read.")
    row = page.locator("tr", has_text="protein-guide.pdf")
    row.locator(".badge.ready").wait_for(timeout=60_000)
    assert row.locator(".chunks").inner_text() == "1"
    assert row.locator(".pages").inner_text() == "1"
