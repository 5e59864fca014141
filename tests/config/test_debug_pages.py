"""A debug page (DEBUG is on under `make run`) shows no password, token or key from the settings or the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config.error_reports import credentials_masked

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "DATABASE_URL": "postgresql://compa:pg-Pw-7731@127.0.0.1:1/compa",
    "REDIS_URL": "redis://:redis-Pw-5512@127.0.0.1:1/0",
    "DRAMATIQ_BROKER_URL": "redis://worker:broker-Pw-2290@127.0.0.1:1/1",
    "CHROMA_URL": "http://chroma:chroma-Pw-8841@127.0.0.1:1",
    "OLLAMA_BASE_URL": "http://127.0.0.1:1/?token=ollama-Tk-1203",
    "EMAIL_HOST_PASSWORD": "smtp-Pw-4410",
}
PASSWORDS = ["pg-Pw-7731", "redis-Pw-5512", "broker-Pw-2290", "chroma-Pw-8841", "ollama-Tk-1203", "smtp-Pw-4410"]
# What Django does when a view raises and DEBUG is on; under a WSGI server (runserver) the
# request's META carries the whole environment, so it is copied in here too.
RENDER_500 = """
import os, sys, django
django.setup()
from django.conf import settings
from django.test import RequestFactory
from django.views.debug import technical_500_response

def connect(url):
    raise ConnectionError(f"cannot reach {url}")

request = RequestFactory().post("/hub/", {"email": "a@example.com", "password": "form-Pw-6618"}, HTTP_HOST="localhost")
request.META.update(os.environ)
request.sensitive_post_parameters = ["password"]
request.COOKIES["compa_visitor"] = "visitor-Tk-9930"
try:
    connect(settings.REDIS_URL)
except ConnectionError:
    response = technical_500_response(request, *sys.exc_info())
assert settings.DEBUG, "a debug page"
sys.stdout.write(response.content.decode())
"""


def test_the_technical_500_page_shows_no_credentials():
    env = {**os.environ, **SECRETS, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DJANGO_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", RENDER_500], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert "cannot reach redis://:********@127.0.0.1:1/0" in page, "the error itself stays readable"
    assert "DATABASES" in page and "CHANNEL_LAYERS" in page and "DRAMATIQ_BROKER" in page
    for secret in [*PASSWORDS, "form-Pw-6618", "visitor-Tk-9930"]:
        assert secret not in page, secret


def test_it_masks_passwords_and_secret_parameters_in_any_url():
    assert credentials_masked("postgresql://compa:p@ss@db:5432/compa") == "postgresql://compa:********@db:5432/compa"
    assert credentials_masked("see redis://:x@cache/0 and http://h/?api_key=k&page=2") == (
        "see redis://:********@cache/0 and http://h/?api_key=********&page=2"
    )
    for untouched in ["unix:///var/redis.sock?db=0", "http://user@host/path?q=a%20b", "no url here"]:
        assert credentials_masked(untouched) == untouched
