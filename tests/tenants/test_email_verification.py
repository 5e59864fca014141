"""Inviting others speaks in the inviter's name, so it waits until their address is confirmed."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from tenants.models import Invitation
from tenants.selectors import user_email_verified
from tests.conftest import client_for
from tests.factories import UserFactory, bearer, host

pytestmark = pytest.mark.django_db


def unverify(user) -> None:
    EmailAddress.objects.filter(user=user).update(verified=False)


def test_user_email_verified_reads_the_confirmed_address(platform):
    assert user_email_verified(UserFactory(email="yes@example.com"))
    assert not user_email_verified(UserFactory(email="no@example.com", verified=False))
    other = UserFactory(email="changed@example.com")
    EmailAddress.objects.filter(user=other).update(email="old@example.com")
    assert not user_email_verified(other), "only the address they sign in with counts"


def test_the_hub_refuses_invitations_until_the_address_is_confirmed(alpha):
    unverify(alpha.owner)
    owner = client_for(alpha.creator, alpha.owner)
    assert owner.get("/hub/team/").status_code == 200, "the team page itself still opens"
    response = owner.post("/hub/team/", {"email": "nina@example.com", "role": "coach"})
    assert response.status_code == 403
    assert "Confirm your email address" in response.content.decode()
    assert not Invitation.objects.filter(creator=alpha.creator).exists()
    assert mail.outbox == []


def test_the_api_refuses_invitations_until_the_address_is_confirmed(alpha):
    unverify(alpha.owner)
    response = Client(**host(alpha.creator)).post(
        "/api/v1/team/invitations",
        {"email": "nina@example.com", "role": "coach"},
        content_type="application/json",
        **bearer(alpha.owner, alpha.creator),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_unverified"
    assert "Confirm your email address" in response.json()["error"]["message"]
    assert not Invitation.objects.filter(creator=alpha.creator).exists()


def test_a_confirmed_owner_still_invites(alpha, run_jobs):
    with run_jobs():
        response = client_for(alpha.creator, alpha.owner).post(
            "/hub/team/", {"email": "nina@example.com", "role": "coach"}
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["nina@example.com"]
