"""A coach watches the inbox, takes over a live conversation and answers; the visitor sees it live."""

from __future__ import annotations

import pytest

from tests.browser.test_signup_in_chromium import CHROMIUM, FLAGS
from tests.browser.test_widget_in_chromium import creator_site, site_with_snippet  # noqa: F401 - fixture
from tests.conversations.live import library_for, widget_for
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        running = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield running
        running.close()


def test_a_coach_takes_over_from_the_inbox_and_the_visitor_sees_it_live(
    alpha,
    knowledge,
    run_jobs,
    asgi_server,
    creator_site,  # noqa: F811 - the fixture imported above
    browser,
):
    library_for(alpha, run_jobs)
    widget = widget_for(alpha.creator, origins=[creator_site.origin])
    hub = f"http://alpha.localhost:{asgi_server}"

    coach = browser.new_context().new_page()
    coach.set_default_timeout(20_000)
    coach.goto(f"{hub}/accounts/login/?next=/hub/inbox/")
    coach.fill("input[name=login]", alpha.coach.email)
    coach.fill("input[name=password]", PASSWORD)
    coach.get_by_role("button", name="Sign In").click()
    coach.wait_for_url(f"{hub}/hub/inbox/")
    coach.wait_for_timeout(500)  # the inbox socket is open

    visitor = browser.new_context().new_page()
    visitor.set_default_timeout(20_000)
    visitor.goto(creator_site(site_with_snippet(widget.key, asgi_server)))
    visitor.locator("[data-compa=bubble]").click()
    chat = visitor.frame_locator("iframe[data-compa=chat]")
    chat.locator("#chat-input").fill("How much protein should I eat each day? My name is Zoraida.")
    chat.locator("#chat-form button").click()
    chat.locator(".chat-log li.ai .citations").first.wait_for()

    # Appears without a reload (other tests' conversations may be listed too: tenant tables outlive them).
    row = coach.locator("#inbox-list tr.unread", has_text="Zoraida")
    row.wait_for()
    row.locator("a").click()
    coach.get_by_role("button", name="Take over").click()
    coach.locator("#reply-text").fill("Hi Zoraida, I'm Carla from the team. Let's plan your week together.")

    # The visitor writes while the coach types: the thread and what the coach remembers update
    # live, and the draft survives.
    chat.locator("#chat-input").fill("Is anyone there? I want to run a 10k in May.")
    chat.locator("#chat-form button").click()
    coach.locator("#live .msg.user", has_text="Is anyone there?").wait_for()
    coach.locator(".memory input[value='run a 10k in May']").wait_for()
    assert coach.locator("#reply-text").input_value().startswith("Hi Zoraida, I'm Carla")
    coach.get_by_role("button", name="Send").click()
    coach.get_by_role("button", name="Hand back to the AI").wait_for()
    remembered = [field.input_value() for field in coach.locator(".memory input[name=text]").all()]
    assert "Zoraida" in remembered and "run a 10k in May" in remembered, "what the coach remembers is on the page"

    chat.locator(".chat-log li.system", has_text="joined the conversation").wait_for()
    human = chat.locator(".chat-log li.human").last
    human.wait_for()
    assert "Let's plan your week together." in human.inner_text()
    assert "A person from the team is with you." in chat.locator("#chat-status").inner_text()
