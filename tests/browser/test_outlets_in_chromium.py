"""An owner connects a Telegram bot from the hub's Outlets page and sees its webhook URL."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from conversations.models import MessagingOutlet
from tests.browser.test_inbox_in_chromium import browser  # noqa: F401 - fixture
from tests.browser.test_signup_in_chromium import CHROMIUM
from tests.conversations.outlets.conftest import BOT_TOKEN, telegram  # noqa: F401 - fixture
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def no_outlets(alpha):
    """Tenant tables outlive transactional tests: start and end without alpha's outlets."""
    with tenant_context(alpha.creator):
        MessagingOutlet.objects.all().delete()
    yield
    with tenant_context(alpha.creator):
        MessagingOutlet.objects.all().delete()


def test_an_owner_connects_a_telegram_bot_and_sees_its_webhook_url(
    alpha,
    no_outlets,
    telegram,  # noqa: F811 - the fixture imported above
    asgi_server,
    browser,  # noqa: F811
):
    telegram.add_bot(BOT_TOKEN, username="alpha_coach_bot")
    hub = f"http://alpha.localhost:{asgi_server}"
    page = browser.new_context().new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{hub}/accounts/login/?next=/hub/outlets/")
    page.fill("input[name=login]", alpha.owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{hub}/hub/outlets/")

    page.locator("#connect-telegram input[name=bot_token]").fill(BOT_TOKEN)
    page.get_by_role("button", name="Connect Telegram bot").click()
    page.get_by_text("@alpha_coach_bot is connected.").wait_for()
    with tenant_context(alpha.creator):
        outlet = MessagingOutlet.objects.get()
    shown = page.get_by_test_id("webhook-url").inner_text().strip()
    assert shown.endswith(f"/hooks/telegram/{outlet.pk}")
    assert telegram.webhook(BOT_TOKEN)["url"] == shown
    assert BOT_TOKEN not in page.content()
    assert page.locator("#connect-telegram input[name=bot_token]").input_value() == ""
