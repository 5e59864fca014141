"""The one-time link that carries a signed-in creator from the public host to their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from tenants.services import HANDOFF_SALT, handoff_token_create
from tests.factories import host

pytestmark = pytest.mark.django_db


def use(creator, token: str):
    return Client(**host(creator)).get(f"/hub/handoff/?token={token}")


def test_it_signs_in_once(alpha):
    token = handoff_token_create(user=alpha.owner, creator=alpha.creator)
    first = use(alpha.creator, token)
    assert first.status_code == 302
    assert first["Location"] == "/hub/"
    again = use(alpha.creator, token)
    assert again.status_code == 400
    assert "already been used" in again.content.decode()


def test_it_expires(alpha):
    token = handoff_token_create(user=alpha.owner, creator=alpha.creator)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        response = use(alpha.creator, token)
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_forged_or_foreign_links_do_nothing(alpha, beta):
    forged = signing.dumps({"u": alpha.owner.pk, "s": "c_alpha", "n": "x"}, key="wrong-key", salt=HANDOFF_SALT)
    assert use(alpha.creator, forged).status_code == 400
    assert use(alpha.creator, "").status_code == 400
    not_a_member = handoff_token_create(user=beta.owner, creator=alpha.creator)
    response = use(alpha.creator, not_a_member)
    assert response.status_code == 400
    assert "not a member" in response.content.decode()
