"""A visitor on the creator's own website opens the chat bubble and gets a streamed, cited answer."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.test_signup_in_chromium import CHROMIUM, page  # noqa: F401 - the page fixture
from tests.conftest import free_port
from tests.conversations.live import library_for, widget_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def creator_site(tmp_path):
    """A plain static website on another origin, where the creator pastes the snippet."""

    def serve(html: str) -> str:
        (tmp_path / "index.html").write_text(html)
        httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{port}/index.html"

    port, servers = free_port(), []
    serve.origin = f"http://127.0.0.1:{port}"
    yield serve
    for httpd in servers:
        httpd.shutdown()


def site_with_snippet(widget_key: str, platform_port: int) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Ana Runs</title></head>
<body><h1>Ana Runs — running plans</h1><p>Questions? Ask my coach.</p>
<script src="http://alpha.localhost:{platform_port}/widget/{widget_key}.js" async></script></body></html>"""


def test_a_visitor_chats_with_the_coach_from_the_creators_site(
    alpha,
    knowledge,
    run_jobs,
    asgi_server,
    creator_site,
    page,  # noqa: F811
):
    library_for(alpha, run_jobs)
    widget = widget_for(alpha.creator, origins=[creator_site.origin])
    page.goto(creator_site(site_with_snippet(widget.key, asgi_server)))

    page.locator("[data-compa=bubble]").click()
    chat = page.frame_locator("iframe[data-compa=chat]")
    chat.locator(".chat-log li.ai").first.wait_for()  # the greeting
    chat.locator("#chat-input").fill("How much protein should I eat each day?")
    chat.locator("#chat-form button").click()

    reply = chat.locator(".chat-log li.ai[data-id]").last
    reply.locator(".citations").wait_for(timeout=30_000)
    assert "1.6 grams" in reply.locator(".text").inner_text()
    assert "Source: Coaching guide (p. 2)" in reply.locator(".citations").inner_text()
    assert chat.locator(".chat-log li.user").last.inner_text() == "How much protein should I eat each day?"

    # Whatever anyone writes is shown as text, never run as markup.
    chat.locator("#chat-input").fill('<img src=x onerror="window.parent.pwned=1"><b>bold?</b>')
    chat.locator("#chat-form button").click()
    mine = chat.locator(".chat-log li.user").last
    mine.wait_for()
    assert mine.inner_text() == '<img src=x onerror="window.parent.pwned=1"><b>bold?</b>'
    assert mine.locator("img, b").count() == 0
    assert page.evaluate("window.pwned") is None

    # Next visit: the site kept the visitor's token, so the conversation is still there.
    page.reload()
    page.locator("[data-compa=bubble]").click()
    chat = page.frame_locator("iframe[data-compa=chat]")
    chat.locator(".chat-log li.ai .citations").first.wait_for()
    assert chat.locator(".chat-log li.user").first.inner_text() == "How much protein should I eat each day?"


def test_a_site_that_is_not_allowed_gets_no_chat(alpha, asgi_server, creator_site, page):  # noqa: F811
    widget = widget_for(alpha.creator, origins=["https://somewhere-else.example"])
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(creator_site(site_with_snippet(widget.key, asgi_server)))
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-compa=bubble]").count() == 0
    assert any("not one of this chat widget's allowed sites" in m for m in messages)

    # Even a hand-made iframe is refused by the browser (Content-Security-Policy frame-ancestors).
    page.evaluate(
        "src => { const f = document.createElement('iframe');"
        " f.id = 'forced'; f.src = src; document.body.appendChild(f); }",
        f"http://alpha.localhost:{asgi_server}/widget/{widget.key}/",
    )
    page.wait_for_timeout(1000)
    frame = page.frame_locator("#forced")
    assert frame.locator("#chat-form").count() == 0


def test_a_crafted_link_with_someone_elses_token_does_not_put_the_visitor_in_their_conversation(
    alpha,
    asgi_server,
    creator_site,
    page,  # noqa: F811
):
    """Session fixation: an attacker sends a victim /widget/<key>/#t=<attacker's token>&c=<conversation>;
    the victim's words must not land in the attacker's conversation, where the attacker would read them."""
    from django_tenants.utils import tenant_context

    from conversations import services
    from conversations.identity import identity_from_token, visitor_token_new
    from conversations.models import Message

    widget = widget_for(alpha.creator, origins=[creator_site.origin])
    schema = alpha.creator.schema_name
    attackers_token = visitor_token_new(schema=schema)
    with tenant_context(alpha.creator):
        attacker = services.web_contact_resolve(identity=identity_from_token(attackers_token, schema=schema))
        trap, _ = services.message_receive(contact=attacker, text="hi", outlet="web")

    crafted = f"http://alpha.localhost:{asgi_server}/widget/{widget.key}/#t={attackers_token}&c={trap.conversation_id}"
    page.goto(crafted)
    page.locator("#chat-input").fill("My blood test results came back today")
    page.locator("#chat-form button").click()
    page.locator(".chat-log li.user[data-id]").last.wait_for(timeout=15_000)

    with tenant_context(alpha.creator):
        victims = Message.objects.get(text="My blood test results came back today")
        assert victims.conversation_id != trap.conversation_id
        assert victims.conversation.contact_id != attacker.pk
        assert list(Message.objects.filter(conversation_id=trap.conversation_id).values_list("text", flat=True)) == [
            "hi"
        ]
