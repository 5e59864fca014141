"""Behind a reverse proxy every visitor arrives from the proxy: the app must know how many proxies to skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW_PROXIES = "from django.conf import settings; print(settings.NUM_PROXIES)"


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"TRUST_X_FORWARDED_PROTO", "NUM_PROXIES"}}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", COMPA_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", SHOW_PROXIES], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_it_refuses_to_start_behind_a_proxy_with_no_proxies_counted(tmp_path):
    result = load_settings(tmp_path, TRUST_X_FORWARDED_PROTO="1")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "NUM_PROXIES is 0" in result.stderr


def test_it_starts_behind_a_proxy_with_the_proxy_counted(tmp_path):
    result = load_settings(tmp_path, TRUST_X_FORWARDED_PROTO="1", NUM_PROXIES="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def test_it_starts_without_a_proxy(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_the_example_environment_counts_its_proxy():
    example = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if line and line[0] != "#"
    )
    assert example["TRUST_X_FORWARDED_PROTO"] == "1"
    assert example["NUM_PROXIES"] == "1"
