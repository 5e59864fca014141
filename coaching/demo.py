"""The demo creator `make run` seeds so a newcomer has something to click through."""

from __future__ import annotations

import os

from allauth.account.models import EmailAddress
from django.conf import settings

from tenants.models import Creator, User
from tenants.services import creator_create

DEMO_SLUG = "demo"


def _account(email: str, password: str, **extra: bool) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, **extra)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def demo_seed() -> list[str]:
    """Idempotent: re-running resets the demo passwords to the printed ones."""
    password = os.environ.get("DEMO_PASSWORD", "compa-demo-coach")
    owner = _account(f"coach@{DEMO_SLUG}.{settings.PLATFORM_DOMAIN}", password)
    staff = _account(f"staff@{settings.PLATFORM_DOMAIN}", password, is_staff=True, is_superuser=True)
    creator = Creator.objects.filter(slug=DEMO_SLUG).first()
    if creator is None:
        creator = creator_create(owner=owner, name="Demo Coaching", slug=DEMO_SLUG)
    public_url = creator.public_url("/").replace(creator.hostname, settings.PLATFORM_DOMAIN)
    return [
        f"demo creator: {creator.public_url('/hub/')}  (sign in as {owner.email} / {password})",
        f"staff admin:  {public_url}admin/  (sign in as {staff.email} / {password})",
        f"sign up:      {public_url}accounts/signup/",
    ]
