"""Factories and the people every test can lean on.

Personas (after hc/test.py): in creator "alpha" an owner, a coach and an analyst; "beta" is a
second creator whose owner must never see alpha's data; an outsider belongs to no creator.
"""

from __future__ import annotations

from dataclasses import dataclass

import factory
from allauth.account.models import EmailAddress
from django.db import connection

from tenants.models import Creator, Membership, User
from tenants.roles import Role
from tenants.services import creator_create, creator_token_pair, platform_schemas_ensure

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs) -> None:
        """People have confirmed their address unless a test says `verified=False`."""
        if create:
            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"verified": extracted is not False, "primary": True}
            )


def make_creator(slug: str, owner: User | None = None, name: str | None = None) -> Creator:
    connection.set_schema_to_public()
    owner = owner or UserFactory(email=f"owner@{slug}.example.com")
    return creator_create(owner=owner, name=name or slug.title(), slug=slug)


def add_member(creator: Creator, role: str, email: str | None = None) -> User:
    user = UserFactory(email=email or f"{role}@{creator.slug}.example.com")
    Membership.objects.get_or_create(creator=creator, user=user, defaults={"role": role})
    return user


@dataclass
class Team:
    creator: Creator
    owner: User
    coach: User
    analyst: User

    def member(self, role: str) -> User:
        return getattr(self, role)


def seed_creator(slug: str) -> Team:
    connection.set_schema_to_public()
    creator = Creator.objects.filter(slug=slug).first()
    if creator is None:
        creator = make_creator(slug)
    owner = Membership.objects.get(creator=creator, role=Role.OWNER).user
    return Team(
        creator=creator,
        owner=owner,
        coach=add_member(creator, Role.COACH),
        analyst=add_member(creator, Role.ANALYST),
    )


def seed_platform() -> dict[str, Team | User]:
    connection.set_schema_to_public()
    platform_schemas_ensure()
    return {
        "alpha": seed_creator("alpha"),
        "beta": seed_creator("beta"),
        "outsider": UserFactory(email="outsider@example.com"),
    }


def bearer(user: User, creator: Creator) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {creator_token_pair(user=user, creator=creator)['access']}"}


def host(creator: Creator | None = None) -> dict[str, str]:
    return {"HTTP_HOST": f"{creator.hostname}:8000" if creator else "localhost:8000"}


# --- Inside a creator's schema (use within tenant_context) ----------------------------------------


class ContactFactory(factory.django.DjangoModelFactory):
    """A person the creator's coach talks to, known by an email identity (as an API caller or a
    sign-in would leave them)."""

    class Meta:
        model = "conversations.Contact"
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"client{n}@example.org")

    @factory.post_generation
    def identities(obj, create: bool, extracted, **kwargs) -> None:
        if create:
            from conversations.services.contacts import contact_identities_sync

            contact_identities_sync(contact=obj)


class ContactIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.ContactIdentity"

    contact = factory.SubFactory(ContactFactory)
    outlet = "web"
    address = factory.Faker("uuid4")
    verified = True


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Conversation"

    contact = factory.SubFactory(ContactFactory)
    outlet = "app"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Message"

    conversation = factory.SubFactory(ConversationFactory)
    author = "user"
    text = factory.Sequence(lambda n: f"Message number {n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    """A document row as the library lists it (not ingested: use the upload API for that)."""

    class Meta:
        model = "knowledge.Document"

    title = factory.Sequence(lambda n: f"Guide {n}")
    kind = "txt"
    original_filename = factory.LazyAttribute(lambda d: f"{d.title.lower().replace(' ', '-')}.txt")
    file = factory.django.FileField(filename="guide.txt", data=b"Sleep seven to nine hours.")
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    status = "ready"
