"""Removing a team member has its own URL, apart from changing their role: only an owner of this
creator can, and never the last owner."""

from __future__ import annotations

import pytest

from tenants.models import Membership
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_owner_removes_a_member_and_no_one_else_can(alpha, beta, outsider):
    coach = Membership.objects.get(creator=alpha.creator, user=alpha.coach)
    path = f"/hub/team/{coach.pk}/remove/"
    assert client_for(alpha.creator, alpha.coach).post(path).status_code == 403
    assert client_for(alpha.creator, alpha.analyst).post(path).status_code == 403
    assert client_for(alpha.creator, outsider).post(path).status_code == 403
    assert client_for(beta.creator, beta.owner).post(path).status_code == 404
    assert Membership.objects.filter(pk=coach.pk).exists()
    response = client_for(alpha.creator, alpha.owner).post(path)
    assert response.status_code == 302 and response["Location"] == "/hub/team/"
    assert not Membership.objects.filter(pk=coach.pk).exists()


def test_the_role_form_no_longer_removes(alpha):
    coach = Membership.objects.get(creator=alpha.creator, user=alpha.coach)
    owner = client_for(alpha.creator, alpha.owner)
    owner.post(f"/hub/team/{coach.pk}/", {"role": "analyst", "action": "remove"})
    assert Membership.objects.get(pk=coach.pk).role == "analyst"


def test_the_last_owner_cannot_be_removed(alpha):
    only_owner = Membership.objects.get(creator=alpha.creator, user=alpha.owner)
    page = client_for(alpha.creator, alpha.owner).post(f"/hub/team/{only_owner.pk}/remove/", follow=True)
    assert page.status_code == 200
    assert Membership.objects.filter(pk=only_owner.pk).exists()
