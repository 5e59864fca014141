"""Who an end user is on the web: signed tokens, scoped to one creator.

A visitor token names a browser (WebVisitor), a contact token names a person who confirmed their
email. Both are signed with a salt that includes the creator's schema, so a token minted on one
creator's host is worthless on another's.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from django.core import signing

VISITOR_COOKIE = "compa_visitor"
CONTACT_COOKIE = "compa_contact"
MAGIC_LINK_MAX_AGE_SECONDS = 15 * 60
TOKEN_MAX_AGE_SECONDS = 400 * 24 * 3600


@dataclass(frozen=True)
class WebIdentity:
    visitor_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None


def _salt(schema: str, purpose: str) -> str:
    return f"compa.{purpose}:{schema}"


def visitor_token_new(*, schema: str) -> str:
    return signing.dumps({"v": str(uuid.uuid4())}, salt=_salt(schema, "identity"), compress=True)


def contact_token(*, schema: str, contact_id: uuid.UUID) -> str:
    return signing.dumps({"c": str(contact_id)}, salt=_salt(schema, "identity"), compress=True)


def identity_from_token(token: object, *, schema: str) -> WebIdentity | None:
    """None for anything that is not a token this creator signed."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=_salt(schema, "identity"), max_age=TOKEN_MAX_AGE_SECONDS)
        if "c" in payload:
            return WebIdentity(contact_id=uuid.UUID(payload["c"]))
        return WebIdentity(visitor_id=uuid.UUID(payload["v"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def magic_link_token(*, schema: str, email: str, visitor_id: uuid.UUID | None) -> str:
    payload = {"e": email, "v": str(visitor_id) if visitor_id else "", "n": secrets.token_hex(8)}
    return signing.dumps(payload, salt=_salt(schema, "magic"), compress=True)


def magic_link_payload(token: str, *, schema: str) -> tuple[str, uuid.UUID | None] | None:
    try:
        payload = signing.loads(token, salt=_salt(schema, "magic"), max_age=MAGIC_LINK_MAX_AGE_SECONDS)
        return payload["e"], (uuid.UUID(payload["v"]) if payload["v"] else None)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


DEVICE_LINK_MAX_AGE_SECONDS = 15 * 60


def device_link_token(*, schema: str, contact_id: uuid.UUID, visitor_id: uuid.UUID) -> str:
    """Names one pending link of a browser to a person; only that person, signed in, may confirm it."""
    # A nonce, so each request is its own (one refused a second ago does not refuse this one).
    payload = {"c": str(contact_id), "v": str(visitor_id), "n": secrets.token_hex(8)}
    return signing.dumps(payload, salt=_salt(schema, "device-link"), compress=True)


def device_link_payload(token: str, *, schema: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    if not isinstance(token, str) or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=_salt(schema, "device-link"), max_age=DEVICE_LINK_MAX_AGE_SECONDS)
        return uuid.UUID(payload["c"]), uuid.UUID(payload["v"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
