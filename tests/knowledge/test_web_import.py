"""Importing a web page by URL: public pages come in; anything pointing inside the network is refused."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from tests.conversations.test_chat_api import chat
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db
PAGE = (
    b"<html><head><title>Pricing</title></head><body><h1>Memberships</h1>"
    b"<p>The monthly membership costs 49 euros and includes four coaching calls.</p></body></html>"
)


class Site:
    """A small web site on loopback: a page, a redirect into the network, a huge page, a slow one."""

    def __init__(self) -> None:
        site = self
        self.redirect_to = ""

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", site.redirect_to)
                    self.end_headers()
                    return
                if self.path == "/slow":
                    time.sleep(2)
                body, kind = PAGE, "text/html; charset=utf-8"
                if self.path == "/huge":
                    body = b"<p>" + b"x" * 3_000_000 + b"</p>"
                if self.path == "/image":
                    body, kind = b"\x89PNG", "image/png"
                if self.path == "/latin1":
                    body, kind = "<p>Sesión de café: 10 euros</p>".encode("latin-1"), "text/html; charset=iso-8859-1"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def site(knowledge):
    server = Site()
    knowledge.KNOWLEDGE_URL_ALLOWED_PRIVATE_HOSTS = [f"127.0.0.1:{server.port}"]
    knowledge.KNOWLEDGE_URL_TIMEOUT_SECONDS = 1
    knowledge.KNOWLEDGE_URL_MAX_BYTES = 1_000_000
    yield server
    server.httpd.shutdown()


def import_url(team, url: str):
    return Client(**host(team.creator)).post(
        "/api/v1/web-pages", {"url": url}, content_type="application/json", **bearer(team.coach, team.creator)
    )


def test_a_page_is_imported_and_answers_questions(site, alpha, run_jobs):
    with run_jobs():
        response = import_url(alpha, site.url("/pricing"))
    assert response.status_code == 202, response.content
    assert response.json()["source_url"] == site.url("/pricing")
    assert response.json()["kind"] == "html"
    reply = chat(alpha, "How much does the monthly membership cost?").json()["reply"]
    assert "49 euros" in reply["text"]


def test_a_page_in_another_charset_is_stored_as_utf8(site, alpha):
    assert import_url(alpha, site.url("/latin1")).status_code == 202


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost:11434/api/tags",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
        "http://127.0.0.1:99999/",
        "http://[::1/",
        "file:///etc/passwd",
        "ftp://example.com/file.txt",
        "http://user:secret@example.com/",
        "not a url",
    ],
)
def test_private_and_odd_addresses_are_refused_without_connecting(site, alpha, url):
    response = import_url(alpha, url)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "import_refused"


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:a9fe:a9fe]/",  # IPv4-mapped 169.254.169.254
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[::a00:1]/",  # IPv4-compatible 10.0.0.1
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "http://[64:ff9b:1::a00:1]/",  # local-use NAT64 (RFC 8215)
        "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
        "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
        "http://[ff02::1]/",
        "http://224.0.0.1/",
    ],
)
def test_ipv6_forms_of_private_ipv4_addresses_are_refused_as_private(site, alpha, url):
    response = import_url(alpha, url)
    assert response.status_code == 400
    assert "private network" in response.json()["error"]["message"]


def test_a_redirect_into_the_network_is_refused(site, alpha):
    site.redirect_to = "http://127.0.0.1:1/admin"
    response = import_url(alpha, site.url("/redirect"))
    assert response.status_code == 400
    assert "private network" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [("/huge", 413, "larger than"), ("/slow", 400, "too long"), ("/image", 400, "image/png")],
)
def test_size_time_and_type_limits(site, alpha, path, status, words):
    response = import_url(alpha, site.url(path))
    assert response.status_code == status
    assert words in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4001:80b::200e", True),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::808:808", True),
        ("2002:808:808::1", True),
        ("::8.8.8.8", True),
        ("::ffff:127.0.0.1", False),
        ("::127.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("64:ff9b:1::808:808", False),
        ("2002:a00:1::", False),
        ("::1", False),
        ("::", False),
        ("fd00::1", False),
        ("100.64.0.1", False),
    ],
)
def test_ipv6_forms_are_judged_by_the_ipv4_address_inside(address, public):
    import ipaddress

    from knowledge.addresses import ip_is_public

    assert ip_is_public(ipaddress.ip_address(address)) is public
