"""A person signs up (or joins a team) with their name, and clients see that name, not the local
part of an email address, when they step into a conversation; the form shows an address one can type."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from conversations import services
from tenants.models import Creator, User
from tenants.services import invitation_create
from tests.conftest import client_for
from tests.factories import host

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plenty-of-entropy-77"


def signup_form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Lucía Fernández",
        "email": "lucia@example.com",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "business_name": "Lucía Mindset",
        "slug": "lucia-mindset",
    }
    form.update(overrides)
    return form


def takeover_notice(creator: Creator, member: User) -> str:
    """What the person chatting reads when this team member takes the conversation over in the hub."""
    with tenant_context(creator):
        contact = services.contact_resolve(email="ana@example.com")
        question, _ = services.message_receive(contact=contact, text="Can we talk?", outlet="web")
        conversation = question.conversation
    response = client_for(creator, member).post(f"/hub/inbox/{conversation.pk}/take-over/")
    assert response.status_code == 302
    with tenant_context(creator):
        return conversation.messages.filter(author="system").latest("created_at").text


@pytest.mark.parametrize("port", ["8000", "8100"])
def test_it_shows_the_new_address_with_this_hosts_port(platform, port):
    page = Client(HTTP_HOST=f"localhost:{port}").get("/accounts/signup/").content.decode()
    assert f"Your coach will live at your-name.localhost:{port}." in page
    assert "Your name" in page


def test_it_leaves_the_default_port_out_of_the_address(platform):
    page = Client(HTTP_HOST="localhost").get("/accounts/signup/").content.decode()
    assert "Your coach will live at your-name.localhost." in page


def test_clients_see_the_name_given_at_sign_up(platform, public_client):
    response = public_client.post("/accounts/signup/", signup_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="lucia@example.com")
    assert user.get_full_name() == "Lucía Fernández"
    creator = Creator.objects.get(slug="lucia-mindset")
    assert takeover_notice(creator, user) == "Lucía Fernández from the team joined the conversation."


@pytest.mark.parametrize("name", ["", "   "])
def test_it_asks_for_a_name(platform, public_client, name):
    response = public_client.post("/accounts/signup/", signup_form(name=name))
    assert response.status_code == 200
    assert not User.objects.filter(email="lucia@example.com").exists()
    assert not Creator.objects.filter(slug="lucia-mindset").exists()


def test_an_invited_member_gives_a_name_that_clients_see(alpha):
    _, token = invitation_create(creator=alpha.creator, invited_by=alpha.owner, email="nina@example.com", role="coach")
    browser = Client(**host(alpha.creator))
    path = f"/hub/invitations/{token}/"
    assert "Your name" in browser.get(path).content.decode()
    nameless = browser.post(path, {"password": "another-long-password-9"})
    assert nameless.status_code == 400
    assert not User.objects.filter(email="nina@example.com").exists()
    assert browser.post(path, {"name": " Nina  Ortiz ", "password": "another-long-password-9"}).status_code == 302
    nina = User.objects.get(email="nina@example.com")
    assert takeover_notice(alpha.creator, nina) == "Nina Ortiz from the team joined the conversation."
