"""An owner invites people by email with a role; the link lets them in with exactly that role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from tenants.models import Invitation, Membership
from tenants.tasks import expire_invitations
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory, host

pytestmark = pytest.mark.django_db


def invite(alpha, run_jobs, email: str = "nina@example.com", role: str = "coach") -> str:
    owner = client_for(alpha.creator, alpha.owner)
    with run_jobs() as jobs:
        response = owner.post("/hub/team/", {"email": email, "role": role})
    assert response.status_code == 302
    assert jobs == ["tenants.tasks.send_invitation_email"]
    message = mail.outbox[-1]
    assert message.to == [email]
    assert "Alpha" in message.subject
    link = re.search(r"http://alpha\.localhost:8000(/hub/invitations/[\w-]+/)", message.body)
    assert link, message.body
    return link.group(1)


def test_a_new_person_joins_with_the_invited_role(alpha, run_jobs):
    path = invite(alpha, run_jobs, role="analyst")
    browser = Client(**host(alpha.creator))
    page = browser.get(path)
    assert "invited as <strong>Analyst</strong>" in page.content.decode()
    response = browser.post(path, {"name": "Nina Ortiz", "password": "another-long-password-9"})
    assert response.status_code == 302
    hub = browser.get("/hub/")
    assert hub.status_code == 200
    membership = Membership.objects.get(creator=alpha.creator, user__email="nina@example.com")
    assert membership.role == "analyst"
    assert browser.get(path).status_code == 404, "an accepted invitation cannot be used again"


def test_someone_with_an_account_signs_in_then_joins(alpha, beta, run_jobs):
    path = invite(alpha, run_jobs, email=beta.owner.email, role="coach")
    anonymous = Client(**host(alpha.creator)).post(path, {"name": "Beta Owner", "password": "whatever-password-1"})
    assert "already have an account" in anonymous.content.decode()
    browser = client_for(alpha.creator, beta.owner)
    assert browser.post(path).status_code == 302
    assert Membership.objects.get(creator=alpha.creator, user=beta.owner).role == "coach"


def test_an_invitation_is_for_its_email_only(alpha, outsider, run_jobs):
    path = invite(alpha, run_jobs)
    response = client_for(alpha.creator, outsider).post(path)
    assert response.status_code == 400
    assert "This invitation is for nina@example.com" in response.content.decode()
    assert not Membership.objects.filter(creator=alpha.creator, user=outsider).exists()


def test_inviting_twice_replaces_the_first_link(alpha, run_jobs):
    first = invite(alpha, run_jobs)
    second = invite(alpha, run_jobs)
    assert first != second
    assert Client(**host(alpha.creator)).get(first).status_code == 404
    assert Client(**host(alpha.creator)).get(second).status_code == 200
    assert Invitation.objects.filter(creator=alpha.creator, email="nina@example.com", revoked_at=None).count() == 1


def test_inviting_a_current_member_is_refused_clearly(alpha):
    response = client_for(alpha.creator, alpha.owner).post("/hub/team/", {"email": alpha.coach.email, "role": "coach"})
    assert response.status_code == 400
    assert "already in your team" in response.content.decode()


@pytest.mark.parametrize(
    "body", [{"email": "not-an-email", "role": "coach"}, {"email": "a@example.com", "role": "emperor"}, {}]
)
def test_bad_invitations_get_field_errors(alpha, body):
    response = client_for(alpha.creator, alpha.owner).post("/hub/team/", body)
    assert response.status_code == 400
    assert Invitation.objects.filter(creator=alpha.creator).count() == 0


def test_links_expire_and_the_scheduler_withdraws_them(alpha, run_jobs):
    path = invite(alpha, run_jobs)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert Client(**host(alpha.creator)).get(path).status_code == 404
        assert expire_invitations.fn() == 1
    assert Invitation.objects.get(email="nina@example.com").revoked_at is not None


def test_a_withdrawn_invitation_stops_working(alpha, run_jobs):
    path = invite(alpha, run_jobs)
    invitation = Invitation.objects.get(email="nina@example.com")
    client_for(alpha.creator, alpha.owner).post(f"/hub/team/invitations/{invitation.pk}/withdraw/")
    assert Client(**host(alpha.creator)).get(path).status_code == 404


def test_the_api_invites_and_lists_open_invitations(alpha, run_jobs):
    from tests.factories import bearer

    api = Client(**host(alpha.creator))
    headers = bearer(alpha.owner, alpha.creator)
    with run_jobs():
        created = api.post(
            "/api/v1/team/invitations",
            {"email": "Sam@Example.com", "role": "analyst"},
            content_type="application/json",
            **headers,
        )
    assert created.status_code == 201
    assert created.json()["email"] == "sam@example.com"
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]
    listed = api.get("/api/v1/team/invitations", **headers).json()["results"]
    assert [i["email"] for i in listed] == ["sam@example.com"]
    assert api.delete(f"/api/v1/team/invitations/{created.json()['id']}", **headers).status_code == 204
    assert api.get("/api/v1/team/invitations", **headers).json()["results"] == []


def test_the_password_of_a_new_member_must_be_strong(alpha, run_jobs):
    path = invite(alpha, run_jobs)
    response = Client(**host(alpha.creator)).post(path, {"name": "Nina Ortiz", "password": "12345678"})
    assert response.status_code == 400
    assert not Membership.objects.filter(user__email="nina@example.com").exists()
    UserFactory(email="unused@example.com")  # factories still work after a refused join
    assert PASSWORD
