"""A debug page (DEBUG is on under `make run`) shows no password, token or key: not from the settings or the
environment, and not from frame variables, connection settings or POSTed fields of views nobody marked sensitive."""

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


# Each case raises in a frame holding a secret, as an unmarked view would, and prints its technical 500 page.
RENDER_FRAMES = """
import sys, django
django.setup()
from django.db import connection
from django.test import RequestFactory
from django.views.debug import technical_500_response

def page(raise_it, **post):
    request = RequestFactory().post("/invite/accept/", post, HTTP_HOST="localhost")
    try:
        raise_it()
    except Exception:
        return technical_500_response(request, *sys.exc_info()).content.decode()

def local_password():
    password = "local-Pw-1111"
    raise ValueError("wrong password")

def settings_dict():
    params = {"host": "db", "password": "dict-Pw-2222", "options": {"PASSWORD": "nested-Pw-2323"}}
    raise ValueError("bad settings")

def conninfo_string():
    dsn = "host=x port=5432 password=conninfo-Pw-3333 dbname=compa"
    raise ValueError(dsn)

def plain_view():
    raise ValueError("no decorator")

def database_down():
    connection.ensure_connection()  # DATABASE_URL points at a closed port: psycopg's frames hold its password

pages = [
    page(local_password),
    page(settings_dict),
    page(conninfo_string),
    page(plain_view, email="a@example.com", password1="post-Pw-4444", new_password="post-Pw-4545"),
    page(database_down),
]
sys.stdout.write("\\n=====\\n".join(pages))
"""
FRAME_SECRETS = ["local-Pw-1111", "dict-Pw-2222", "nested-Pw-2323", "conninfo-Pw-3333", "post-Pw-4444", "post-Pw-4545"]


def test_frame_variables_connection_settings_and_posted_passwords_are_hidden():
    env = {**os.environ, **SECRETS, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DJANGO_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", RENDER_FRAMES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    pages = result.stdout.split("\n=====\n")
    assert len(pages) == 5
    assert "local_password" in pages[0] and "a@example.com" in pages[3], "the pages are still useful"
    assert "OperationalError" in pages[4] and "get_new_connection" in pages[4], "the database case did connect"
    for number, page in enumerate(pages):
        for secret in [*FRAME_SECRETS, *PASSWORDS]:
            assert secret not in page, (number, secret)


def test_it_masks_key_value_secrets_in_plain_text():
    assert credentials_masked("host=x password=hunter2 dbname=compa") == "host=x password=******** dbname=compa"
    assert credentials_masked("{'password': 'hunter2', 'NAME': 'compa'}") == "{'password': '********', 'NAME': 'compa'}"
    assert credentials_masked("<Client api_token=abc>") == "<Client api_token=********>"
    assert credentials_masked("host=x port=5432 dbname=compa") == "host=x port=5432 dbname=compa"


def test_it_masks_passwords_and_secret_parameters_in_any_url():
    assert credentials_masked("postgresql://compa:p@ss@db:5432/compa") == "postgresql://compa:********@db:5432/compa"
    assert credentials_masked("see redis://:x@cache/0 and http://h/?api_key=k&page=2") == (
        "see redis://:********@cache/0 and http://h/?api_key=********&page=2"
    )
    for untouched in ["unix:///var/redis.sock?db=0", "http://user@host/path?q=a%20b", "no url here"]:
        assert credentials_masked(untouched) == untouched
