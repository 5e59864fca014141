"""How fast do API v1's list endpoints answer with 10k rows in the creator's schema?

Usage: python bench/api_lists.py [--rows 10000] [--requests 200]   (or `make bench`)
Seeds one creator with --rows contacts, conversations (two messages each) and documents, then
times GET requests through the whole Django stack (middleware, API-key auth, throttles, filters,
cursor pagination, serialization, Postgres) in this process. The baseline is GET /api/v1/me, the
cheapest authenticated read, timed the same way in the same run. Uses a throwaway database.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import time

from _setup import drop_database, fresh_database
from cryptography.fernet import Fernet

DB = "compa_bench_api_lists"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ["THROTTLE_API_CREDENTIAL"] = "1000000/minute"
    os.environ["THROTTLE_API_IP"] = "1000000/minute"
    # Production settings: no query log kept per connection.
    os.environ.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    fresh_database(DB)
    try:
        run(args.rows, args.requests)
    finally:
        drop_database(DB)


def seed(creator, rows: int) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from conversations.models import Contact, Conversation, Message
    from knowledge.models import Document

    now = timezone.now()
    with tenant_context(creator):
        contacts = Contact.objects.bulk_create(
            Contact(email=f"person{n}@example.com", tags=["vip"] if n % 10 == 0 else [],
                    created_at=now - timedelta(seconds=n))
            for n in range(rows)
        )  # fmt: skip
        conversations = Conversation.objects.bulk_create(
            Conversation(contact=c, outlet="web", updated_at=now - timedelta(seconds=n), last_read_at=now)
            for n, c in enumerate(contacts)
        )
        Message.objects.bulk_create(
            Message(conversation=conv, author=author, text=f"{author} line {n}", created_at=now - timedelta(seconds=n))
            for n, conv in enumerate(conversations)
            for author in ("user", "ai")
        )
        Document.objects.bulk_create(
            Document(title=f"Guide {n}", kind="md", content_hash=f"{n:064x}", status="ready", file=f"doc{n}.md",
                     created_at=now - timedelta(seconds=n))
            for n in range(rows)
        )  # fmt: skip


def run(rows: int, requests: int) -> None:
    from django.core.management import call_command
    from django.test import Client

    from tenants.models import User
    from tenants.services import api_key_create, creator_create

    call_command("bootstrap_platform", verbosity=0)
    owner = User.objects.create_user(email="bench@example.com", password="bench-password-123")
    creator = creator_create(owner=owner, name="Bench", slug="bench")
    started = time.perf_counter()
    seed(creator, rows)
    print(f"seeded {rows} contacts, {rows} conversations, {2 * rows} messages, {rows} documents "
          f"in {time.perf_counter() - started:.1f}s")  # fmt: skip
    _, secret = api_key_create(creator=creator, created_by=owner, name="bench", scope="read")
    client = Client(HTTP_HOST=creator.hostname, HTTP_AUTHORIZATION=f"Api-Key {secret}")
    deep_cursor = cursor_after_pages(client, "/api/v1/contacts?limit=50", pages=100)

    cases = {
        "baseline GET /me": "/api/v1/me",
        "contacts, first page": "/api/v1/contacts",
        "contacts, page 101 (cursor)": deep_cursor,
        "contacts ?tag=vip": "/api/v1/contacts?tag=vip",
        "conversations (counts, last line)": "/api/v1/conversations",
        "conversations ?unread=true": "/api/v1/conversations?unread=true",
        "documents ?status=ready&ordering=title": "/api/v1/documents?status=ready&ordering=title",
        "messages of one conversation": None,
    }
    first = client.get("/api/v1/conversations?limit=1").json()["results"][0]["id"]
    cases["messages of one conversation"] = f"/api/v1/conversations/{first}/messages"
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; {requests} requests each, "
          "page size 50; times in ms")  # fmt: skip
    print(f"{'endpoint':40} {'p50':>7} {'p95':>7} {'p99':>7} {'x base':>7}")
    baseline = None
    for name, path in cases.items():
        for _ in range(10):  # warm
            assert client.get(path).status_code == 200, (name, path)
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        p50 = statistics.median(times)
        baseline = baseline or p50
        print(f"{name:40} {p50:7.1f} {percentile(times, 95):7.1f} {percentile(times, 99):7.1f} {p50 / baseline:7.1f}")


def cursor_after_pages(client, path: str, pages: int) -> str:
    for _ in range(pages):
        path = client.get(path).json()["next"]
    from urllib.parse import urlsplit

    parts = urlsplit(path)
    return f"{parts.path}?{parts.query}"


if __name__ == "__main__":
    main()
