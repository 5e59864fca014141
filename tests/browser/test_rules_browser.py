"""A coach builds a rule in Chromium: the form shows only the fields the trigger needs, the new
rule's page opens with its dry run, and no script is refused by the content security policy."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tests.browser.test_signup_in_chromium import CHROMIUM, page  # noqa: F401 - the page fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def test_a_coach_creates_a_rule_and_sees_what_the_next_week_would_bring(platform, live_server, page):  # noqa: F811
    from datetime import timedelta

    from coaching.models import Rule
    from conversations.models import Message
    from tenants import clock
    from tests.factories import ConversationFactory, MessageFactory

    alpha = platform["alpha"]
    with tenant_context(alpha.creator):
        conversation = ConversationFactory(outlet="app", contact__display_name="Ana García")
        yesterday = clock.now() - timedelta(days=1)
        MessageFactory(conversation=conversation, author=Message.Author.USER, text="hola", created_at=yesterday)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
    port = live_server.url.rsplit(":", 1)[1]
    origin = f"http://alpha.localhost:{port}"

    page.goto(f"{origin}/accounts/login/?next=/hub/rules/")
    page.fill("input[name=login]", alpha.coach.email)
    page.fill("input[name=password]", "a-long-test-password-42")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{origin}/hub/rules/")
    page.get_by_role("link", name="New rule").click()
    page.wait_for_url(f"{origin}/hub/rules/new/")

    form = page.locator("[data-testid=rule-form]")
    form.locator("select[name=trigger]").select_option("metric_below")
    assert form.locator("[data-field=threshold]").is_visible() and not form.locator("[data-field=days]").is_visible()
    form.locator("select[name=trigger]").select_option("no_reply")
    assert form.locator("[data-field=days]").is_visible() and not form.locator("[data-field=threshold]").is_visible()
    form.locator("input[name=name]").fill("Still there?")
    form.locator("select[name=action]").select_option("fixed_message")
    form.locator("textarea[name=message]").fill("Hi {name}, how is it going?")
    form.get_by_role("button", name="Create rule").click()
    # Days left empty: the error shows next to the field, the field stays visible.
    error = form.locator("[data-testid=error-days]")
    error.wait_for()
    assert "Say how many days" in error.inner_text()
    page.locator("[data-testid=rule-form] input[name=days]").fill("2")
    page.locator("[data-testid=rule-form] input[name=holdout_percent]").fill("50")
    page.get_by_role("button", name="Create rule").click()

    page.locator("[data-testid=dry-run]").wait_for()
    with tenant_context(alpha.creator):
        rule = Rule.objects.get()
    assert page.url == f"{origin}/hub/rules/{rule.pk}/"
    assert (rule.name, rule.days, rule.holdout_percent) == ("Still there?", 2, 50)
    dry_run = page.locator("[data-testid=dry-run]")
    assert "What the next 7 days would bring" in dry_run.inner_text()
    assert dry_run.locator("[data-testid=preview-row]").filter(has_text="Ana García").count() == 1
    assert "About 50% of these would be held back at random" in dry_run.inner_text()
    assert "Not enough data yet" in page.locator("[data-testid=effect]").inner_text()

    # The decisions' outcome filter swaps the table in place (htmx) and keeps the choice in the URL.
    with page.expect_response(lambda response: "outcome=held_back" in response.url):
        page.locator("#outcome-filter").select_option("held_back")
    page.wait_for_url(f"{origin}/hub/rules/{rule.pk}/?outcome=held_back")
    assert "No decisions yet." in page.locator("#decisions").inner_text()
    assert page.locator("#decisions").count() == 1
    assert refused == []
