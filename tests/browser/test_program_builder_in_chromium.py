"""A coach reorders a program's steps in the builder by dragging them (SortableJS, served from our
own host) and from the keyboard, with no script refused by the content security policy."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tests.browser.test_signup_in_chromium import CHROMIUM, page  # noqa: F401 - the page fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def day_one(creator, program) -> list[str]:
    from coaching.selectors import program_working_version

    with tenant_context(creator):
        program.refresh_from_db()
        return [step.text for step in program_working_version(program).steps.all() if step.day == 1]


def test_dragging_a_step_reorders_it_and_the_keyboard_can_too(platform, live_server, page):  # noqa: F811
    from coaching.services.programs import program_create, step_add

    alpha = platform["alpha"]
    with tenant_context(alpha.creator):
        program = program_create(name="Sleep better")
        for text in ("Alpha step", "Bravo step", "Charlie step"):
            step_add(program=program, kind="message", day=1, at=None, text=text)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
    port = live_server.url.rsplit(":", 1)[1]
    builder = f"http://alpha.localhost:{port}/hub/programs/{program.pk}/"

    page.goto(f"http://alpha.localhost:{port}/accounts/login/?next=/hub/programs/{program.pk}/")
    page.fill("input[name=login]", alpha.coach.email)
    page.fill("input[name=password]", "a-long-test-password-42")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(builder)
    page.locator(".day-steps[data-sortable]").wait_for(state="attached")  # Sortable is set up
    page.set_viewport_size({"width": 1280, "height": 1600})  # the whole timeline on screen, to drag in

    steps = page.locator("li.step")
    source = steps.filter(has_text="Charlie step").locator(".handle").bounding_box()
    target = steps.filter(has_text="Alpha step").bounding_box()
    with page.expect_response(lambda response: response.url.endswith("/steps/order/")):
        page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
        page.mouse.down()
        page.mouse.move(target["x"] + 20, target["y"] + 5, steps=12)
        page.mouse.move(target["x"] + 20, target["y"] + 2, steps=4)
        page.mouse.up()
    page.locator("#builder li.step").first.filter(has_text="Charlie step").wait_for()
    assert day_one(alpha.creator, program) == ["Charlie step", "Alpha step", "Bravo step"]

    with page.expect_response(lambda response: "/move/" in response.url):
        page.get_by_role("button", name="Move “Alpha step” down").focus()
        page.keyboard.press("Enter")
    page.locator("#builder li.step").last.filter(has_text="Alpha step").wait_for()
    assert day_one(alpha.creator, program) == ["Charlie step", "Bravo step", "Alpha step"]

    # After the builder was swapped in, dragging still works (Sortable set up on the new content).
    page.locator(".day-steps[data-sortable]").wait_for(state="attached")  # htmx set it up again
    source = page.locator("li.step").filter(has_text="Alpha step").locator(".handle").bounding_box()
    target = page.locator("li.step").filter(has_text="Charlie step").bounding_box()
    with page.expect_response(lambda response: response.url.endswith("/steps/order/")):
        page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
        page.mouse.down()
        page.mouse.move(target["x"] + 20, target["y"] + 5, steps=12)
        page.mouse.move(target["x"] + 20, target["y"] + 2, steps=4)
        page.mouse.up()
    page.locator("#builder li.step").first.filter(has_text="Alpha step").wait_for()
    assert day_one(alpha.creator, program) == ["Alpha step", "Charlie step", "Bravo step"]

    # A check-in without a metric: the error appears next to the metric field, in place.
    add = page.locator("[data-testid=add-step]")
    add.locator("select[name=kind]").select_option("check_in")
    add.locator("input[name=day]").fill("2")
    add.locator("textarea[name=text]").fill("Hours slept?")
    add.locator("select[name=answer_type]").select_option("number")
    add.get_by_role("button", name="Add step").click()
    error = page.locator("[data-testid=add-step] [data-testid=error-metric]")
    error.wait_for()
    assert "A check-in needs a metric name" in error.inner_text()
    assert page.locator("#builder").count() == 1 and page.url == builder
    assert refused == []
