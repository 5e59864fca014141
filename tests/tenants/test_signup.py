"""A creator signs up (hub form or API), gets a schema of their own and lands in their hub."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists

from tenants.models import Creator, Membership, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plenty-of-entropy-77"


def signup_api(client: Client, **overrides):
    extra = {key: overrides.pop(key) for key in list(overrides) if key.isupper()}
    body = {"email": "maria@example.com", "password": GOOD_PASSWORD, "business_name": "Maria Fitness", "slug": "maria"}
    body.update(overrides)
    return client.post("/api/v1/signup", data=json.dumps(body), content_type="application/json", **extra)


def follow_across_hosts(response, max_hops: int = 5):
    """Follow redirects the way a browser does, switching host as the Location says."""
    clients: dict[str, Client] = {}
    for _ in range(max_hops):
        if response.status_code not in (301, 302):
            return response
        location = urlparse(response["Location"])
        netloc = location.netloc or response.wsgi_request.get_host()
        client = clients.setdefault(netloc, Client(HTTP_HOST=netloc))
        response = client.get(location.path + (f"?{location.query}" if location.query else ""))
    return response


def test_it_signs_up_through_the_form_and_lands_in_the_new_hub(platform, public_client):
    response = public_client.post(
        "/accounts/signup/",
        {
            "name": "Lucía Fernández",
            "email": "lucia@example.com",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
            "business_name": "Lucía Mindset",
            "slug": "lucia-mindset",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # /hub/ on the public host hands off to the creator's own host.
    handoff = public_client.get(response["Location"])
    assert urlparse(handoff["Location"]).netloc == "lucia-mindset.localhost:8000"
    hub = follow_across_hosts(handoff)
    assert hub.status_code == 200
    assert "Welcome to your hub" in hub.content.decode()
    assert hub.wsgi_request.user.email == "lucia@example.com"
    creator = Creator.objects.get(slug="lucia-mindset")
    assert creator.name == "Lucía Mindset"
    assert schema_exists("c_lucia_mindset")
    assert Membership.objects.get(creator=creator).role == "owner"
    assert any("lucia@example.com" in m.to for m in mail.outbox), "a verification email is sent"


def test_it_shows_form_errors_for_a_bad_or_taken_slug(platform, public_client):
    base = {"email": "x@example.com", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, "business_name": "X"}
    taken = public_client.post("/accounts/signup/", {**base, "slug": "alpha"})
    assert taken.status_code == 200
    assert "already taken" in taken.content.decode()
    reserved = public_client.post("/accounts/signup/", {**base, "slug": "admin"})
    assert "is reserved" in reserved.content.decode()
    assert not User.objects.filter(email="x@example.com").exists()


def test_api_signup_answers_201_with_slug_and_hub_url(platform, public_client):
    response = signup_api(public_client)
    assert response.status_code == 201
    assert response.json() == {"slug": "maria", "hub_url": "http://maria.localhost:8000/hub/"}
    assert schema_exists("c_maria")
    user = User.objects.get(email="maria@example.com")
    assert user.check_password(GOOD_PASSWORD)
    assert [m.to for m in mail.outbox] == [["maria@example.com"]]


def test_api_signup_keeps_the_name_clients_will_see(platform, public_client):
    body = {
        "email": "lucia@example.com",
        "password": GOOD_PASSWORD,
        "name": "  Lucía   Fernández ",
        "business_name": "Lucía Coaching",
        "slug": "lucia",
    }
    assert public_client.post("/api/v1/signup", body, content_type="application/json").status_code == 201
    assert User.objects.get(email="lucia@example.com").get_full_name() == "Lucía Fernández"


def test_a_new_schema_holds_its_own_default_persona(platform, public_client):
    signup_api(public_client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coach_name FROM c_maria.coaching_persona")
        assert cursor.fetchall() == [("Coach",)]


@pytest.mark.parametrize(
    ("slug", "why"),
    [
        ("", "Choose a slug"),
        ("ab", "3 to 40"),
        ("Maria", "3 to 40"),
        ("maria_fit", "3 to 40"),
        ("-maria", "3 to 40"),
        ("maria-", "3 to 40"),
        ("ma--ria", "3 to 40"),
        ("x" * 41, "40"),
        ("maría", "3 to 40"),
        ("x; DROP SCHEMA public", "3 to 40"),
        ("www", "reserved"),
        ("api", "reserved"),
        ("admin", "reserved"),
        ("public", "reserved"),
        ("static", "reserved"),
    ],
)
def test_api_signup_refuses_bad_slugs_with_a_clear_field_error(platform, public_client, slug, why):
    response = signup_api(public_client, slug=slug)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert why in " ".join(error["fields"]["slug"])
    assert not User.objects.filter(email="maria@example.com").exists()


def test_api_signup_answers_409_for_a_taken_slug_or_email(platform, public_client):
    assert signup_api(public_client, slug="alpha").status_code == 409
    assert signup_api(public_client).status_code == 201
    again = signup_api(public_client, slug="maria-two")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "email_taken"
    twice = signup_api(public_client, email="other@example.com")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "slug_taken"


def test_api_signup_refuses_weak_passwords_and_keeps_nothing(platform, public_client):
    for weak in ["short", "password123", "12345678901"]:
        response = signup_api(public_client, password=weak)
        assert response.status_code == 400
        assert "password" in response.json()["error"]["fields"]
    assert not Creator.objects.filter(slug="maria").exists()
    assert not schema_exists("c_maria")


@pytest.mark.parametrize(
    "body",
    ["{not json", "[]", '"a string"', "null", json.dumps({"email": "a@example.com"}), json.dumps({"slug": 5})],
)
def test_api_signup_meets_malformed_input_with_a_4xx(platform, public_client, body):
    response = public_client.post("/api/v1/signup", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()


def test_api_signup_refuses_a_huge_body(platform, public_client):
    body = json.dumps({"email": "a@example.com", "password": "x" * 3_000_000, "business_name": "A", "slug": "big"})
    response = public_client.post("/api/v1/signup", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert not Creator.objects.filter(slug="big").exists()


def test_the_token_endpoint_needs_the_right_password(platform, public_client, alpha):
    ok = public_client.post(
        "/api/v1/token", {"email": alpha.owner.email, "password": PASSWORD}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert set(ok.json()) == {"access", "refresh", "creator"}
    assert ok.json()["creator"] == "alpha"
    wrong = public_client.post(
        "/api/v1/token", {"email": alpha.owner.email, "password": "nope"}, content_type="application/json"
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_credentials"


def test_an_unknown_host_gets_a_clear_404(platform):
    response = Client(HTTP_HOST="nobody.localhost:8000").get("/api/v1/me")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_host"
    page = Client(HTTP_HOST="nobody.localhost:8000").get("/hub/")
    assert page.status_code == 404
    assert "No coaching space lives at this address" in page.content.decode()


def test_a_foreign_host_is_refused(platform):
    assert Client(HTTP_HOST="evil.example.org").get("/healthz").status_code in (400, 404)


def test_it_answers_slug_taken_before_looking_at_the_email(alpha, public_client):
    known = signup_api(public_client, email=alpha.owner.email, slug="alpha")
    unknown = signup_api(public_client, email="nobody-here@example.com", slug="alpha")
    assert known.status_code == unknown.status_code == 409
    assert known.json() == unknown.json()
    assert known.json()["error"]["code"] == "slug_taken"


def test_the_form_does_not_tell_a_known_address_while_the_slug_is_taken(alpha, public_client):
    base = {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, "business_name": "X", "slug": "alpha"}
    known = public_client.post("/accounts/signup/", {**base, "email": alpha.owner.email}).content.decode()
    unknown = public_client.post("/accounts/signup/", {**base, "email": "nobody-here@example.com"}).content.decode()
    assert "already taken" in known
    assert "already registered" not in known
    assert "already registered" not in unknown
    free_slug = public_client.post("/accounts/signup/", {**base, "slug": "free-slug", "email": alpha.owner.email})
    assert "already registered" in free_slug.content.decode(), "with a free slug the form says so, as before"


def test_it_limits_sign_ups_per_address_across_ips(alpha, public_client, settings):
    settings.SIGNUPS_PER_ADDRESS_PER_HOUR = 3
    answers = [
        signup_api(public_client, email=alpha.owner.email, slug=f"probe-{i}", REMOTE_ADDR=f"198.51.100.{i}")
        for i in range(4)
    ]
    assert [r.status_code for r in answers] == [409, 409, 409, 429]
    assert int(answers[-1]["Retry-After"]) > 0


def test_it_limits_sign_ups_per_ip_whatever_x_forwarded_for_says(platform, public_client, settings):
    settings.SIGNUPS_PER_IP_PER_HOUR = 3
    answers = [
        signup_api(public_client, email=f"probe{i}@example.com", slug="alpha", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        for i in range(4)
    ]
    assert [r.status_code for r in answers] == [409, 409, 409, 429]


def test_the_sign_up_form_is_limited_too(platform, public_client, settings):
    settings.SIGNUPS_PER_IP_PER_HOUR = 2
    base = {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, "business_name": "X", "slug": "alpha"}
    pages = [public_client.post("/accounts/signup/", {**base, "email": f"p{i}@example.com"}) for i in range(3)]
    assert "Too many sign-up attempts" not in pages[0].content.decode()
    assert "Too many sign-up attempts" in pages[-1].content.decode()
