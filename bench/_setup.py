"""Shared start for bench scripts: a fresh throwaway database on the configured server."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fresh_database(name: str) -> str:
    """Create (or re-create) database `name` beside DATABASE_URL's and point Django at it."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/compa")
    parts = urlsplit(base)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DRAMATIQ_BROKER_URL", "stub://")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    return url


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    base = urlsplit(os.environ["DATABASE_URL"])
    with psycopg.connect(urlunsplit(base._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def chroma_server():
    """CHROMA_URL if set, else a Chroma server of our own on a free port (a context manager)."""
    import contextlib
    import socket
    import subprocess
    import tempfile
    import time
    import urllib.request

    @contextlib.contextmanager
    def server():
        if os.environ.get("CHROMA_URL"):
            yield os.environ["CHROMA_URL"]
            return
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with tempfile.TemporaryDirectory() as path:
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "chroma"), "run", "--path", path, "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            os.environ["CHROMA_URL"] = url
            try:
                yield url
            finally:
                process.terminate()
                process.wait(10)

    return server()


def bench_creator(slug: str = "bench"):
    """Migrate the throwaway database and create one creator (schema copied from the template)."""
    from django.core.management import call_command

    from tenants.models import User
    from tenants.services import creator_create

    call_command("bootstrap_platform", verbosity=0)
    owner = User.objects.create_user(email=f"{slug}@example.com", password="bench-password-123")
    return creator_create(owner=owner, name=slug.title(), slug=slug)


def throwaway_platform(name: str):
    """A Chroma server (or CHROMA_URL) and a fresh database `name`, dropped afterwards."""
    import contextlib

    @contextlib.contextmanager
    def platform():
        with chroma_server():
            fresh_database(name)
            try:
                yield
            finally:
                drop_database(name)

    return platform()


def production_settings() -> None:
    """Production-like settings for a timing run (no query log per connection, quiet logs, the stub
    broker, throwaway keys); call before fresh_database."""
    import secrets

    from cryptography.fernet import Fernet

    os.environ.update(
        DRAMATIQ_BROKER_URL="stub://",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
