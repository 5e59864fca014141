"""Production settings pass Django's deployment checklist and fail loudly when misconfigured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Q!r9" * 10,
    "FIELD_ENCRYPTION_KEY": "Yk7zS0e1p3m9lQ2r8T4u6V5w0X1y2Z3a4B5c6D7e8F0=",
    "PLATFORM_DOMAIN": "coach.example.com",
    "DRAMATIQ_BROKER_URL": "stub://",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("DJANGO_DEBUG", "maybe"), ("DATABASE_CONN_MAX_AGE", "ten")])
def test_a_malformed_setting_stops_the_process_with_its_name(name, value):
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_migrations_are_committed():
    result = manage("makemigrations", "--check", "--dry-run", DRAMATIQ_BROKER_URL="stub://")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_openapi_schema_documents_every_endpoint_without_warnings():
    result = manage("spectacular", "--urlconf", "config.urls_tenant", "--fail-on-warn", "--validate", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    for path in ["/api/v1/me", "/api/v1/persona", "/api/v1/team/invitations", "/api/v1/analytics/overview"]:
        assert f"  {path}:" in result.stdout
    public = manage("spectacular", "--urlconf", "config.urls_public", "--fail-on-warn", "--validate", **PRODUCTION)
    assert public.returncode == 0, public.stderr
    assert "  /api/v1/signup:" in public.stdout
