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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")
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
