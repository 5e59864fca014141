"""One person on many devices: sign-in links and the browsers a person confirms as theirs."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from analytics.services import contact_events_reassign
from conversations.identity import magic_link_payload, magic_link_token
from conversations.models import Contact, ContactIdentity, ContactMemory
from conversations.services.contacts import contact_resolve, normalize_contact_reference
from tenants.auth_limits import TooManyAttempts
from tenants.limits import Limit, limits_wait_seconds
from tenants.scope import creator_key, creator_schema

logger = logging.getLogger(__name__)


class LinkInvalid(Exception):
    """A sign-in link that is forged, expired or already used."""


class TooManyLinks(TooManyAttempts):
    """Sign-in links are limited, so the form cannot be used to flood an inbox; `wait` says how long."""


# --- One person on many devices ------------------------------------------------------------------


def contact_merge(*, source: Contact, into: Contact) -> Contact:
    """An anonymous browser confirmed it is `into`: its conversations, memories and devices move over."""
    with transaction.atomic():
        source.conversations.update(contact=into)
        source.identities.update(contact=into)
        source.push_subscriptions.update(contact=into)
        for item in source.memories.all():
            ContactMemory.objects.get_or_create(contact=into, kind=item.kind, text=item.text)
        contact_events_reassign(from_contact_id=source.pk, to_contact_id=into.pk)
        source.delete()
    return into


@dataclass(frozen=True)
class SignIn:
    """Who opened a sign-in link, and the browser that asked for it when that one still needs the
    person's confirmation before it may speak (and read) for them."""

    contact: Contact
    pending_visitor_id: uuid.UUID | None = None


def magic_link_send(
    *,
    email: str,
    visitor_id: uuid.UUID | None,
    base_url: str,
    creator_name: str,
    client_ip: str = "",
    language: str | None = None,
) -> None:
    """Email a sign-in link. Opening it signs in the browser that opens it, nothing more: the browser
    that asked is linked only if the person confirms it there (device_link_confirm).

    Limited per address, per IP and per creator, across every creator's host, so the form and the
    widget cannot be used to flood an inbox or relay spam. The email is written in `language` (the
    page that asked for it), else in the language active here."""
    email = normalize_contact_reference(email=email)["email"]
    wait = limits_wait_seconds(
        [
            Limit("sign-in-links-ip", client_ip or "unknown", settings.SIGN_IN_LINKS_PER_IP_PER_HOUR, 3600),
            Limit("sign-in-links-creator", creator_schema(), settings.SIGN_IN_LINKS_PER_CREATOR_PER_HOUR, 3600),
            # Per creator and address: a stranger spending one address's budget on one coach's widget
            # cannot lock that person out of every other coach.
            Limit("sign-in-links-address", creator_key(email), settings.SIGN_IN_LINKS_PER_ADDRESS_PER_HOUR, 3600),
        ]
    )
    if wait:
        raise TooManyLinks(wait)
    token = magic_link_token(schema=creator_schema(), email=email, visitor_id=visitor_id)
    link = f"{base_url}/app/auth/{token}/"
    name = " ".join(str(creator_name).split())[:60]  # a header: no newlines, no essays
    with translation.override(language or translation.get_language()):
        send_mail(
            subject=_("Your sign-in link for %(name)s") % {"name": name},
            message=_(
                "Open this link within 15 minutes to continue with your coach:\n\n%(link)s\n\n"
                "If you did not ask for it, ignore this email: nobody can use it without opening it."
            )
            % {"link": link},
            from_email=None,
            recipient_list=[email],
        )


def magic_link_redeem(*, token: str, opener_visitor_id: uuid.UUID | None = None) -> SignIn:
    """The link proves the address for the browser that opened it. The browser that asked for the
    link (a widget visitor, perhaps a stranger who typed this address) gains nothing here, unless
    it is the very browser opening it (its own visitor cookie, which no other site can set)."""
    payload = magic_link_payload(token, schema=creator_schema())
    if payload is None or not cache.add(creator_key("magic-link-used", token[-40:]), 1, 20 * 60):
        raise LinkInvalid(_("This sign-in link has expired or was already used. Ask for a new one."))
    email, visitor_id = payload
    contact = contact_resolve(email=email, source="email")
    Contact.objects.filter(pk=contact.pk).update(anonymous=False)
    ContactIdentity.objects.filter(contact=contact, outlet="email", address=email).update(verified=True)
    if visitor_id is not None and visitor_id == opener_visitor_id:
        device_link_confirm(contact=contact, visitor_id=visitor_id)
    already_linked = visitor_id is None or _browser(visitor_id).filter(contact=contact).exists()
    return SignIn(contact=contact, pending_visitor_id=None if already_linked else visitor_id)


def device_link_claim(*, token: str) -> bool:
    """A link request is confirmed at most once (a replayed POST links nothing more)."""
    return bool(cache.add(creator_key("device-link-used", token[-40:]), 1, 20 * 60))


def device_link_confirm(*, contact: Contact, visitor_id: uuid.UUID) -> Contact:
    """The signed-in person confirmed that this browser is theirs: it speaks for them from now on,
    and what it wrote anonymously moves to them."""
    with transaction.atomic():
        browser = _browser(visitor_id).select_for_update().select_related("contact").first()
        if browser is None:
            # That browser's first message may be creating its row right now: whoever wins, it is the person's.
            browser, created = ContactIdentity.objects.get_or_create(
                outlet="web", address=str(visitor_id), defaults={"contact": contact, "verified": True}
            )
            if created:
                return contact
            browser = _browser(visitor_id).select_for_update().select_related("contact").get()
        if browser.contact_id != contact.pk:
            if browser.contact.anonymous:
                contact_merge(source=browser.contact, into=contact)
            else:
                ContactIdentity.objects.filter(pk=browser.pk).update(contact=contact)
    return contact


def _browser(visitor_id: uuid.UUID) -> QuerySet[ContactIdentity]:
    return ContactIdentity.objects.filter(outlet="web", address=str(visitor_id))
