"""Every page answers with a strict Content-Security-Policy: scripts only from our files or with the
response's nonce, no plugins, no framing, no foreign form targets, websockets to this host only."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from conversations import services
from conversations.identity import CONTACT_COOKIE, contact_token
from tests.conftest import client_for
from tests.conversations.live import widget_for
from tests.factories import host

pytestmark = pytest.mark.django_db


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def inline_elements(response, tag: str) -> list[dict[str, str | None]]:
    """<script> elements the browser runs from the page itself (not JSON data blocks), or <style>s."""
    parser = Tags()
    parser.feed(response.content.decode())
    found = [attrs for name, attrs in parser.tags if name == tag and not attrs.get("src")]
    return [attrs for attrs in found if attrs.get("type") not in {"application/json", "application/ld+json"}]


def assert_strict(response, host_name: str, form_action: list[str] = ["'self'"]) -> dict[str, list[str]]:  # noqa: B006
    assert response.status_code == 200
    found = policy(response)
    assert found["default-src"] == ["'self'"]
    assert "'self'" in found["script-src"]
    assert "'unsafe-inline'" not in found["script-src"] and "'unsafe-eval'" not in found["script-src"]
    assert "'unsafe-inline'" not in found["style-src"]
    assert found["img-src"] == ["'self'", "data:"]
    assert found["connect-src"] == ["'self'", f"ws://{host_name}"]
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'self'"]
    assert found["form-action"] == form_action
    assert found["frame-ancestors"] == ["'none'"]
    nonces = [value for value in found["script-src"] + found["style-src"] if value.startswith("'nonce-")]
    for tag in ("script", "style"):
        for attrs in inline_elements(response, tag):
            assert f"'nonce-{attrs.get('nonce')}'" in nonces, f"an inline <{tag}> without this response's nonce"
    return found


def signed_in_contact(team) -> Client:
    with tenant_context(team.creator):
        contact = services.contact_resolve(email="ana@example.com")
    client = Client(**host(team.creator))
    client.cookies[CONTACT_COOKIE] = contact_token(schema=team.creator.schema_name, contact_id=contact.pk)
    return client


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("owner", "/hub/"),
        ("coach", "/hub/inbox/"),
        ("owner", "/hub/knowledge/"),
        ("owner", "/hub/widget/"),
        ("owner", "/hub/analytics/"),
        ("owner", "/hub/team/"),
        ("owner", "/hub/api-keys/"),
    ],
)
def test_hub_pages_have_a_strict_policy_and_nonced_scripts(alpha, role, path):
    response = client_for(alpha.creator, getattr(alpha, role)).get(path)
    assert_strict(response, f"{alpha.creator.hostname}:8000")


def test_the_inbox_script_runs_by_its_nonce(alpha):
    response = client_for(alpha.creator, alpha.coach).get("/hub/inbox/")
    scripts = inline_elements(response, "script")
    assert scripts, "the live refresh script is inline"
    assert {attrs["nonce"] for attrs in scripts} == {policy(response)["script-src"][1][len("'nonce-") : -1]}


def test_each_response_has_its_own_nonce(alpha):
    client = client_for(alpha.creator, alpha.coach)
    first, second = (policy(client.get("/hub/inbox/"))["script-src"] for _ in range(2))
    assert first != second


def test_the_companion_app_has_a_strict_policy(alpha):
    response = signed_in_contact(alpha).get("/app/")
    assert "What your coach remembers" in response.content.decode()
    assert_strict(response, f"{alpha.creator.hostname}:8000")
    assert len(inline_elements(response, "script")) >= 2, "service worker and push set-up"


@pytest.mark.parametrize(
    ("on_creator_host", "path"),
    [
        (False, "/"),
        (False, "/accounts/login/"),
        (False, "/accounts/signup/"),
        (True, "/accounts/login/"),
        (True, "/app/"),
    ],
)
def test_sign_in_pages_have_a_strict_policy(alpha, on_creator_host, path):
    creator = alpha.creator if on_creator_host else None
    response = Client(**host(creator)).get(path)
    if creator:
        assert_strict(response, f"{creator.hostname}:8000")
    else:  # signing up or in here ends on the creator's own host
        assert_strict(response, "localhost:8000", form_action=["'self'", "http://*.localhost:8000"])


def test_the_widget_frame_keeps_its_own_frame_ancestors(alpha):
    widget = widget_for(alpha.creator, origins=["https://ana.example"])
    response = Client(**host(alpha.creator)).get(f"/widget/{widget.key}/")
    found = policy(response)
    assert found["frame-ancestors"] == ["'self'", "https://ana.example"]
    assert "X-Frame-Options" not in response
    assert found["script-src"][0] == "'self'" and found["script-src"][1].startswith("'nonce-")
    assert len(found["script-src"]) == 2, "the chat shows visitors' and the AI's text: no other scripts"
    styles = inline_elements(response, "style")
    assert styles and all(tag.get("nonce") == str(response.wsgi_request.csp_nonce) for tag in styles)


def test_the_api_reference_runs_no_inline_script(alpha):
    client = Client(**host(alpha.creator))
    for path in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(path)
        found = policy(response)
        assert found["script-src"] == ["'self'"]
        assert found["style-src"] == ["'self'", "'unsafe-inline'"], "Swagger UI's and Redoc's own styles"
        assert found["frame-ancestors"] == ["'none'"]
        assert inline_elements(response, "script") == []
    setup = client.get("/api/v1/docs/?script=")
    assert setup.status_code == 200
    assert "SwaggerUIBundle" in setup.content.decode()


def test_the_demo_site_may_run_and_frame_only_the_demo_creators_widget(public_client, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr("config.demo.demo_widget_key", lambda: "wk_demo")
    response = public_client.get("/demo-site/")
    found = policy(response)
    assert found["script-src"][:1] == ["'self'"]
    assert found["script-src"][-1] == "http://demo.localhost:8000"
    assert found["frame-src"] == ["http://demo.localhost:8000"]
    assert_strict_styles = inline_elements(response, "style")
    assert [f"'nonce-{attrs['nonce']}'" for attrs in assert_strict_styles] == [found["style-src"][1]]
