"""Passwords: at least 10 characters and hard to guess; long passphrases in any script are welcome."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tenants.models import User

pytestmark = pytest.mark.django_db


def signup(client, password: str):
    body = {"email": "maria@example.com", "password": password, "business_name": "Maria Fitness", "slug": "maria"}
    return client.post("/api/v1/signup", data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "weak",
    [
        "Summer2026",
        "Summer2026!",
        "short-7",
        "Password2024",
        "qwertyuiop",
        "iloveyou12",
        "aaaaaaaaaaaaaaaa",
    ],
)
def test_it_refuses_weak_passwords(platform, public_client, weak):
    response = signup(public_client, weak)
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert not User.objects.filter(email="maria@example.com").exists()


@pytest.mark.parametrize(
    "strong",
    [
        "correct horse battery staple, walking slowly to the harbour ....",
        "камень река облако ветер — тихая ночь над старым городом у моря",
        "私は毎朝コーヒーを飲みながら静かな公園を散歩するのが好きです。そして時々友達に手紙を書く",
        "plenty-of-entropy-77",
    ],
)
def test_it_accepts_long_passphrases_in_any_script(platform, public_client, strong):
    assert len(strong) >= 20
    response = signup(public_client, strong)
    assert response.status_code == 201, response.content


def test_it_accepts_a_64_character_passphrase(platform):
    passphrase = "the quiet otter paints seven blue lanterns before dawn, twice!!!"
    assert len(passphrase) == 64
    validate_password(passphrase, user=User(email="maria@example.com"))


def test_it_refuses_the_hub_sign_up_form_with_a_weak_password(platform, public_client):
    response = public_client.post(
        "/accounts/signup/",
        {
            "name": "Lucía Fernández",
            "email": "lucia@example.com",
            "password1": "Summer2026",
            "password2": "Summer2026",
            "business_name": "Lucía",
            "slug": "lucia",
        },
    )
    assert response.status_code == 200
    assert "too easy to guess" in response.content.decode()
    assert not User.objects.filter(email="lucia@example.com").exists()


def test_its_messages_go_through_translation(monkeypatch):
    from tenants import validators

    monkeypatch.setattr(validators, "_", lambda text: f"«{text}»")
    with translation.override("es"), pytest.raises(ValidationError) as refused:
        validators.PasswordStrengthValidator().validate("Summer2026")
    assert refused.value.messages[0].startswith("«")
    assert validators.PasswordStrengthValidator().get_help_text().startswith("«")
