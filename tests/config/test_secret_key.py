"""No process runs with a key from the source: development makes its own, production must be given one."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.core import signing
from django.test import Client

from tenants.services import HANDOFF_SALT, creator_token_pair
from tests.factories import host

ROOT = Path(__file__).resolve().parents[2]
# The key every development process used to share, published in the source until issue 11.
OLD_DEVELOPMENT_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
SHOW_KEYS = (
    "from django.conf import settings; import json;"
    " print(json.dumps({'secret': settings.SECRET_KEY, 'jwt': settings.SIMPLE_JWT['SIGNING_KEY']}))"
)


def settings_process(var_dir: Path, **env: str) -> subprocess.Popen:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "JWT_SIGNING_KEY"}}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", COMPA_VAR_DIR=str(var_dir), **env)
    return subprocess.Popen(
        [sys.executable, "-c", SHOW_KEYS],
        cwd=ROOT,
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def load_settings(var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    process = settings_process(var_dir, **env)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def keys(result: subprocess.CompletedProcess) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_makes_a_private_key_at_the_first_start_and_reads_it_back(tmp_path):
    first = keys(load_settings(tmp_path / "var"))
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == first["secret"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first["secret"]) >= 50
    assert first["jwt"] == first["secret"], "JWTs are signed with the same key"
    assert keys(load_settings(tmp_path / "var")) == first
    assert keys(load_settings(tmp_path / "other-var"))["secret"] != first["secret"]
    made = sorted(p.name for p in (tmp_path / "var").iterdir())
    assert made == ["field_encryption_key", "secret_key"], "no temporary file is left"


def test_processes_started_together_agree_on_one_key(tmp_path):
    # `make run` starts web, worker and scheduler at once, on an empty var/.
    processes = [settings_process(tmp_path / "var") for _ in range(6)]
    results = [subprocess.CompletedProcess(p.args, p.wait(60), *p.communicate()) for p in processes]
    assert len({keys(result)["secret"] for result in results}) == 1


def test_the_key_is_nowhere_in_the_source(tmp_path):
    key = keys(load_settings(tmp_path / "var"))["secret"]
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    paths = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    assert len(paths) > 100
    assert not [path for path in paths if path.is_file() and key.encode() in path.read_bytes()]
    assert key != OLD_DEVELOPMENT_KEY


def test_an_empty_jwt_signing_key_falls_back_to_the_secret_key(tmp_path):
    found = keys(load_settings(tmp_path / "var", JWT_SIGNING_KEY=""))
    assert found["jwt"] == found["secret"]


def test_production_refuses_to_start_without_a_key_and_makes_none(tmp_path):
    result = load_settings(tmp_path / "var", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize(
    "key",
    [
        "change-me-to-50-random-characters",  # .env.example's placeholder until issue 11
        "change-me-" + "a1b2c3d4e5" * 5,
        "django-insecure-" + "q8Zr4Lm2Xv" * 5,
        "ab" * 40,
    ],
)
def test_production_refuses_a_placeholder_or_weak_key(tmp_path, key):
    result = load_settings(tmp_path / "var", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is" in result.stderr
    assert key not in result.stderr


def test_a_damaged_key_file_stops_the_process(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("short\n")
    result = load_settings(tmp_path / "var")
    assert result.returncode != 0
    assert "holds no usable secret key" in result.stderr


def test_this_test_run_does_not_use_the_old_development_key():
    assert OLD_DEVELOPMENT_KEY not in {settings.SECRET_KEY, settings.SIMPLE_JWT["SIGNING_KEY"]}
    assert OLD_DEVELOPMENT_KEY not in settings.SECRET_KEY_FALLBACKS


@pytest.mark.django_db
def test_a_jwt_signed_with_the_old_development_key_is_refused(alpha):
    access = creator_token_pair(user=alpha.owner, creator=alpha.creator)["access"]
    me = Client(**host(alpha.creator))
    assert me.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    claims = jwt.decode(access, options={"verify_signature": False})
    forged = jwt.encode(claims, OLD_DEVELOPMENT_KEY, algorithm="HS256")
    assert me.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


@pytest.mark.django_db
def test_a_hub_handoff_link_signed_with_the_old_development_key_is_refused(alpha):
    payload = {"u": alpha.owner.pk, "s": alpha.creator.schema_name, "n": "old-key"}
    forged = signing.dumps(payload, key=OLD_DEVELOPMENT_KEY, salt=HANDOFF_SALT, compress=True)
    browser = Client(**host(alpha.creator))
    assert browser.get(f"/hub/handoff/?token={forged}").status_code == 400
    assert "_auth_user_id" not in browser.session
