"""POST /api/v1/token answers a wrong password, an unknown account, a non-member and an account
without a single coaching space alike, so it cannot be used to test whether a password is right."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.models import Membership
from tests.factories import PASSWORD, host

pytestmark = pytest.mark.django_db


def test_it_answers_every_refusal_alike(alpha, beta, outsider):
    Membership.objects.create(creator=beta.creator, user=alpha.analyst, role="coach")
    public, on_beta = Client(**host()), Client(**host(beta.creator))
    attempts = {
        "wrong password": (public, {"email": alpha.owner.email, "password": "wrong"}),
        "unknown account": (public, {"email": "nobody@example.com", "password": PASSWORD}),
        "not a member of the named space": (public, {"email": alpha.owner.email, "password": PASSWORD, "slug": "beta"}),
        "not a member of this host": (on_beta, {"email": alpha.owner.email, "password": PASSWORD}),
        "no space at all": (public, {"email": outsider.email, "password": PASSWORD}),
        "several spaces, none named": (public, {"email": alpha.analyst.email, "password": PASSWORD}),
        "a space that does not exist": (public, {"email": alpha.owner.email, "password": PASSWORD, "slug": "zeta"}),
    }
    answers = {
        why: client.post("/api/v1/token", body, content_type="application/json")
        for why, (client, body) in attempts.items()
    }
    shapes = {(r.status_code, r.content, r.get("WWW-Authenticate")) for r in answers.values()}
    assert len(shapes) == 1, {why: (r.status_code, r.content) for why, r in answers.items()}
    status, _body, _header = shapes.pop()
    assert status == 401
    assert answers["wrong password"].json()["error"]["code"] == "invalid_credentials"


def test_it_still_issues_tokens_once_everything_is_right(alpha, beta):
    Membership.objects.create(creator=beta.creator, user=alpha.analyst, role="coach")
    named = Client(**host()).post(
        "/api/v1/token",
        {"email": alpha.analyst.email, "password": PASSWORD, "slug": "beta"},
        content_type="application/json",
    )
    assert named.status_code == 200
    assert named.json()["creator"] == "beta"
