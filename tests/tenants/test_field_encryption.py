"""Stored secrets are encrypted with keys of their own (never SECRET_KEY), and keys can be rotated."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import override_settings

from config import settings as project_settings
from tenants.encryption import EncryptedTextField, SecretUnreadable, secret_decrypt, secret_encrypt, secret_rotate

ROOT = Path(__file__).resolve().parents[2]
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
SHOW_KEYS = "from django.conf import settings; print(','.join(settings.FIELD_ENCRYPTION_KEYS))"
KEY_VARIABLES = {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_KEYS"}


def load_settings(var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", COMPA_VAR_DIR=str(var_dir), **env)
    return subprocess.run(
        [sys.executable, "-c", SHOW_KEYS], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_it_round_trips_text():
    assert secret_decrypt(secret_encrypt("bot-token ñ 123:ABC")) == "bot-token ñ 123:ABC"


def test_the_stored_value_is_not_the_text_and_differs_each_time():
    first, second = secret_encrypt("app-secret-4242"), secret_encrypt("app-secret-4242")
    assert "app-secret-4242" not in first
    assert first != second


def test_a_token_from_an_old_key_still_opens_and_is_rotated_to_the_new_key():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        token = secret_encrypt("whatsapp-access")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert secret_decrypt(token) == "whatsapp-access"
        rotated = secret_rotate(token)
    assert rotated != token
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        assert secret_decrypt(rotated) == "whatsapp-access"
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]), pytest.raises(SecretUnreadable):
        secret_decrypt(rotated)


def test_a_token_no_key_fits_is_refused_clearly():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        token = secret_encrypt("telegram-token")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        with pytest.raises(SecretUnreadable, match="fits none of FIELD_ENCRYPTION_KEYS") as refused:
            secret_decrypt(token)
        with pytest.raises(SecretUnreadable):
            secret_rotate(token)
    assert "telegram-token" not in str(refused.value) and token not in str(refused.value)
    with pytest.raises(SecretUnreadable):
        secret_decrypt("not-a-token")


def test_the_key_file_is_made_once_private_and_reused(tmp_path):
    path = tmp_path / "var" / "field_encryption_key"
    make = lambda: Fernet.generate_key().decode()  # noqa: E731
    key = project_settings.secret_key_from_file(path, make, min_length=44)
    Fernet(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert project_settings.secret_key_from_file(path, make, min_length=44) == key
    assert [p.name for p in path.parent.iterdir()] == ["field_encryption_key"], "no temporary file is left"


def test_development_makes_its_own_key_apart_from_the_secret_key(tmp_path):
    first = load_settings(tmp_path / "var")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert (tmp_path / "var" / "field_encryption_key").read_text().strip() == key
    assert key != (tmp_path / "var" / "secret_key").read_text().strip()
    assert load_settings(tmp_path / "var").stdout.strip() == key


def test_keys_from_the_environment_come_newest_first(tmp_path):
    result = load_settings(tmp_path / "var", FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_KEYS=f" {OLD_KEY} ,")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{NEW_KEY},{OLD_KEY}"
    assert not (tmp_path / "var" / "field_encryption_key").exists()


def test_production_refuses_to_start_without_a_key_and_makes_none(tmp_path):
    result = load_settings(tmp_path / "var", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k3y-" + "x7Q!r9" * 10)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required when DJANGO_DEBUG is off" in result.stderr
    assert not (tmp_path / "var" / "field_encryption_key").exists()


def test_a_key_fernet_cannot_use_is_refused_without_echoing_it(tmp_path):
    result = load_settings(tmp_path / "var", FIELD_ENCRYPTION_KEYS=f"{NEW_KEY},not-a-key-Zq81")
    assert result.returncode != 0
    assert "entries [2] are not Fernet keys" in result.stderr
    assert "not-a-key-Zq81" not in result.stderr


def test_the_field_encrypts_on_the_way_in_and_decrypts_on_the_way_out():
    field = EncryptedTextField()
    stored = field.get_prep_value("bot-token-777")
    assert stored != "bot-token-777" and "bot-token-777" not in stored
    assert secret_decrypt(stored) == "bot-token-777"
    assert field.from_db_value(stored, None, None) == "bot-token-777"
    assert field.to_python("bot-token-777") == "bot-token-777"
    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, None) is None
    assert field.to_python(None) is None


def test_the_field_only_answers_isnull_lookups():
    field = EncryptedTextField()
    assert field.get_lookup("isnull") is not None
    assert field.get_lookup("exact") is None, "a fresh token never equals the stored one"
    assert field.get_transform("lower") is None


def test_rotation_with_no_encrypted_fields_says_so(capsys, monkeypatch):
    monkeypatch.setattr("config.management.commands.rotate_field_encryption.encrypted_columns", dict)
    call_command("rotate_field_encryption")
    assert "nothing to rotate" in capsys.readouterr().out
