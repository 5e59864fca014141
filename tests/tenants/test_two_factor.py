"""Two-factor (TOTP + recovery codes): the hub asks for the code, the token endpoint needs it too,
and staff must turn it on before using the admin when the setting says so."""

from __future__ import annotations

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from tenants.two_factor import user_two_factor_enabled
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory, host

pytestmark = pytest.mark.django_db


def turn_on_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_code(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def token(client: Client, email: str, password: str = PASSWORD, **extra):
    body = {"email": email, "password": password, **extra}
    return client.post("/api/v1/token", body, content_type="application/json")


def test_it_asks_for_the_code_on_the_token_endpoint(alpha):
    secret = turn_on_totp(alpha.owner)
    client = Client(**host(alpha.creator))
    missing = token(client, alpha.owner.email)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "invalid_credentials"
    assert "code" in missing.json()["error"]["message"], "the one answer says a code may be needed"
    wrong = token(client, alpha.owner.email, code="000000" if current_code(secret) != "000000" else "111111")
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    code = current_code(secret)
    assert token(client, alpha.owner.email, code=code).status_code == 200
    replayed = token(Client(**host()), alpha.owner.email, code=code)
    assert replayed.status_code == 401, "a code works once, on any host"


def test_a_missing_or_wrong_code_answers_exactly_like_a_wrong_password(alpha):
    secret = turn_on_totp(alpha.owner)
    wrong_code = "000000" if current_code(secret) != "000000" else "111111"
    answers = [
        token(Client(**host(alpha.creator)), alpha.owner.email, password="wrong"),
        token(Client(**host(alpha.creator)), alpha.owner.email, password="wrong", code=wrong_code),
        token(Client(**host(alpha.creator)), alpha.owner.email),
        token(Client(**host(alpha.creator)), alpha.owner.email, code=wrong_code),
    ]
    shapes = {(a.status_code, a.content, a.get("WWW-Authenticate")) for a in answers}
    assert len(shapes) == 1, shapes
    assert answers[0].status_code == 401


def test_it_says_nothing_about_two_factor_until_the_password_is_right(alpha, beta):
    turn_on_totp(alpha.owner)
    wrong_password = token(Client(**host()), alpha.owner.email, password="wrong")
    assert wrong_password.json()["error"]["code"] == "invalid_credentials"
    not_a_member = token(Client(**host(beta.creator)), alpha.owner.email)
    assert not_a_member.json()["error"]["code"] == "invalid_credentials"


def test_it_accepts_a_recovery_code_once(alpha):
    turn_on_totp(alpha.coach)
    recovery = RecoveryCodes.activate(alpha.coach)
    code = recovery.get_unused_codes()[0]
    assert token(Client(**host()), alpha.coach.email, code=code).status_code == 200
    assert token(Client(**host()), alpha.coach.email, code=code).status_code == 401


def test_wrong_codes_spend_the_sign_in_budget(alpha, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    secret = turn_on_totp(alpha.owner)
    for _ in range(3):
        token(Client(**host()), alpha.owner.email, code="not-a-code")
    assert token(Client(**host()), alpha.owner.email, code=current_code(secret)).status_code == 429


def test_the_hub_sign_in_asks_for_the_code(alpha):
    secret = turn_on_totp(alpha.owner)
    browser = Client(**host(alpha.creator))
    response = browser.post("/accounts/login/", {"login": alpha.owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in browser.session
    done = browser.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert done.status_code == 302
    assert browser.session["_auth_user_id"] == str(alpha.owner.pk)


def test_the_hub_two_factor_step_spends_the_platform_budget(alpha, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    secret = turn_on_totp(alpha.owner)
    for creator in [alpha.creator, None, alpha.creator]:
        browser = Client(**host(creator))
        browser.post("/accounts/login/", {"login": alpha.owner.email, "password": PASSWORD})
        browser.post("/accounts/2fa/authenticate/", {"code": "000000x"})
    browser = Client(**host())
    browser.post("/accounts/login/", {"login": alpha.owner.email, "password": PASSWORD})
    locked = browser.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert "_auth_user_id" not in browser.session, locked.content.decode()[:1000]


def test_people_can_turn_two_factor_on_from_the_hub(alpha):
    browser = Client(**host(alpha.creator))
    assert browser.post("/accounts/login/", {"login": alpha.coach.email, "password": PASSWORD}).status_code == 302
    assert browser.get("/accounts/2fa/").status_code == 200
    asked = browser.get("/accounts/2fa/totp/activate/")
    assert asked["Location"].startswith("/accounts/reauthenticate/"), "turning it on asks for the password again"
    assert browser.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    page = browser.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert "svg" in page.content.decode().lower(), "the set-up page shows a QR code"
    assert not user_two_factor_enabled(alpha.coach)


def test_staff_without_two_factor_are_sent_to_set_it_up_when_required(platform, settings):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    browser = client_for(None, staff)
    settings.STAFF_REQUIRE_MFA = False
    assert browser.get("/admin/").status_code == 200
    settings.STAFF_REQUIRE_MFA = True
    refused = browser.get("/admin/tenants/creator/")
    assert refused.status_code == 302
    assert refused["Location"] == "/accounts/2fa/totp/activate/"
    turn_on_totp(staff)
    assert browser.get("/admin/tenants/creator/").status_code == 200
    assert Authenticator.objects.filter(user=staff).exists()


def test_creator_hosts_are_not_affected_by_the_staff_rule(alpha, settings):
    settings.STAFF_REQUIRE_MFA = True
    alpha.owner.is_staff = True
    alpha.owner.save(update_fields=["is_staff"])
    assert client_for(alpha.creator, alpha.owner).get("/hub/").status_code == 200
