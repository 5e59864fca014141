"""Writes about creators, people and teams. Views, API, admin and jobs all call these."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend as jwt_token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tenants.auth_limits import attempt_release, login_attempt_consume
from tenants.models import (
    ApiKey,
    Creator,
    Domain,
    Invitation,
    Membership,
    User,
    hash_api_key_secret,
    hash_invitation_token,
)
from tenants.roles import Role
from tenants.scope import creator_key
from tenants.selectors import creator_memberships_for_user, membership_for, user_email_verified
from tenants.two_factor import two_factor_code_accept, user_two_factor_enabled
from tenants.validators import schema_name_for_slug, validate_creator_slug

HANDOFF_SALT = "compa.hub.handoff"
CREATOR_CLAIM = "creator"


class SlugTaken(Exception):
    """The slug (and so the hostname) already belongs to another creator."""


class EmailTaken(Exception):
    """An account with this email already exists."""


class HandoffInvalid(Exception):
    """A hand-off link that is forged, expired, for another host, or already used."""


class TeamRuleBroken(Exception):
    """A team change that would leave the creator without an owner or break another rule."""


class EmailNotVerified(Exception):
    """The person has not confirmed their email address yet, and the action needs it."""


class SignInRefused(Exception):
    """Wrong password, unknown account, not a member, no single coaching space, or a two-factor code
    missing or wrong: one answer for all, so the answer never tells a right password from a wrong one."""


class RefreshRefused(Exception):
    """A refresh token that is forged, expired, revoked or already used."""


def creator_create(*, owner: User, name: str, slug: str) -> Creator:
    """Create the creator's schema (cloned from the template), its host and the owner's membership."""
    validate_creator_slug(slug)
    name = name.strip()
    if not name:
        raise ValidationError({"business_name": "Name your coaching business."})
    if Creator.objects.filter(slug=slug).exists():
        raise SlugTaken(slug)
    creator = Creator(name=name[:100], slug=slug, schema_name=schema_name_for_slug(slug))
    try:
        with transaction.atomic():
            creator.save(verbosity=0)
            Domain.objects.create(domain=creator.hostname, tenant=creator, is_primary=True)
            Membership.objects.create(creator=creator, user=owner, role=Role.OWNER)
    except (IntegrityError, ValidationError) as exc:
        if Creator.objects.filter(slug=slug).exists() or "already exists" in str(exc):
            raise SlugTaken(slug) from exc
        raise
    return creator


def creator_signup(
    *,
    email: str,
    password: str,
    business_name: str,
    slug: str,
    name: str = "",
    request: HttpRequest | None = None,
) -> Creator:
    """API sign-up: account, verification email and coaching space in one step, all or nothing."""
    email = User.objects.normalize_email(email).lower()
    validate_creator_slug(slug)
    # The slug first: a taken slug answers the same whether or not the address has an account.
    if Creator.objects.filter(slug=slug).exists():
        raise SlugTaken(slug)
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(email)
    validate_password(password, user=User(email=email))
    with transaction.atomic():
        try:
            user = User.objects.create_user(email=email, password=password, first_name=" ".join(name.split())[:150])
        except IntegrityError as exc:
            raise EmailTaken(email) from exc
        creator = creator_create(owner=user, name=business_name, slug=slug)
        if request is not None:
            EmailAddress.objects.add_email(request, user, email, confirm=True, signup=True)
        else:
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return creator


def creator_suspend(*, creator: Creator, reason: str = "") -> Creator:
    """Refuse the creator's hub, API, widget and sockets until reinstated. Data is kept."""
    return _creator_set_status(
        creator, status=Creator.Status.SUSPENDED, suspended_reason=reason[:200], suspended_at=timezone.now()
    )


def creator_reinstate(*, creator: Creator) -> Creator:
    return _creator_set_status(creator, status=Creator.Status.ACTIVE, suspended_reason="", suspended_at=None)


def creator_delete(*, creator: Creator) -> None:
    """Drop the creator's schema and its public rows (hosts, team, invitations). Irreversible."""
    if creator.kind != Creator.Kind.CREATOR:
        raise ValueError("only creators can be deleted, not the platform or template schemas")
    with transaction.atomic():
        Creator.objects.get(pk=creator.pk).delete(force_drop=True)


def creator_settings_update(*, creator: Creator, timezone: str, language: str) -> Creator:
    """Set the creator's time zone and the language new contacts get. Owners only (the caller checks).

    Validated by the model's own fields (an IANA zone, a language in LANGUAGES), then written as
    an UPDATE of those two columns: a suspension made meanwhile is never written back over.
    """
    values = {"timezone": timezone, "language": language}
    errors: dict[str, list[ValidationError]] = {}
    for name, value in values.items():
        try:
            values[name] = Creator._meta.get_field(name).clean(value, creator)
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _creator_set_status(creator, **values)


def _creator_set_status(creator: Creator, **fields: Any) -> Creator:
    # An UPDATE rather than save(): django-tenants refuses save() from another creator's schema.
    Creator.objects.filter(pk=creator.pk).update(**fields)
    for name, value in fields.items():
        setattr(creator, name, value)
    return creator


def handoff_token_create(*, user: User, creator: Creator) -> str:
    payload = {"u": user.pk, "s": creator.schema_name, "n": secrets.token_urlsafe(16)}
    return signing.dumps(payload, salt=HANDOFF_SALT, compress=True)


def handoff_token_redeem(*, token: str, creator: Creator) -> User:
    """Return the member a hand-off link signs in; each link works once, on its own host only."""
    try:
        payload = signing.loads(token, salt=HANDOFF_SALT, max_age=settings.HANDOFF_MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise HandoffInvalid("This sign-in link has expired. Please sign in again.") from exc
    except signing.BadSignature as exc:
        raise HandoffInvalid("This sign-in link is not valid.") from exc
    if not isinstance(payload, dict) or payload.get("s") != creator.schema_name:
        raise HandoffInvalid("This sign-in link is for another coaching space.")
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or membership_for(user=user, creator=creator) is None:
        raise HandoffInvalid("You are not a member of this coaching space.")
    nonce = creator_key("handoff", payload.get("n"))  # on the creator's host the link is for
    if not cache.add(nonce, 1, timeout=settings.HANDOFF_MAX_AGE_SECONDS * 2):
        raise HandoffInvalid("This sign-in link has already been used. Please sign in again.")
    return user


def creator_token_pair(*, user: User, creator: Creator) -> dict[str, str]:
    """A JWT pair bound to one creator: the `creator` claim is checked on every request."""
    refresh = RefreshToken.for_user(user)
    refresh[CREATOR_CLAIM] = creator.schema_name
    return {"access": str(refresh.access_token), "refresh": str(refresh), "creator": creator.slug}


def _token_creator(*, user: User, host: Creator | None, slug: str | None) -> Creator | None:
    if host is not None and host.kind == Creator.Kind.CREATOR:
        slug = host.slug
    memberships = creator_memberships_for_user(user=user)
    if slug:
        membership = memberships.filter(creator__slug=slug).first()
        return membership.creator if membership else None
    found = list(memberships[:2])
    return found[0].creator if len(found) == 1 else None


def creator_token_sign_in(
    *, request: HttpRequest, email: str, password: str, slug: str | None = None, code: str = ""
) -> dict[str, str]:
    """Email + password (+ two-factor code) for a JWT pair bound to one creator.

    Failures of every kind spend the same per-account and per-IP budget as the hub's sign-in form,
    on every host; a spent budget refuses even the right password until the window passes.
    """
    email = email.strip().lower()
    # Counted before the password is checked, so parallel guesses cannot all slip under the budget;
    # raises TooManyAttempts when it is spent. Only a complete success takes the attempt back.
    counted = login_attempt_consume(request, login=email)
    user = authenticate(request, email=email, password=password)
    creator = _token_creator(user=user, host=getattr(request, "tenant", None), slug=slug) if user else None
    if user is None or creator is None:
        raise SignInRefused
    if user_two_factor_enabled(user) and not two_factor_code_accept(user=user, code=code):
        raise SignInRefused  # the same answer as a wrong password: it must not confirm the password
    attempt_release(counted)
    return creator_token_pair(user=user, creator=creator)


def _refresh_refused_message() -> str:
    return _("This refresh token is not valid, has expired or was revoked.")


def _refresh_token_parse(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)
    except TokenError as exc:
        raise RefreshRefused(_refresh_refused_message()) from exc


def creator_token_refresh(*, refresh: str) -> dict[str, str]:
    """Trade a refresh token for a new pair; the one used is revoked, so it works exactly once."""
    token = _refresh_token_parse(refresh)
    user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
    if user is None:
        raise RefreshRefused(_refresh_refused_message())
    with transaction.atomic():
        _revoked, created = token.blacklist()
        if not created:  # a concurrent refresh with the same token won the race
            raise RefreshRefused(_refresh_refused_message())
        token.set_jti()
        token.set_exp()
        token.set_iat()
        token.outstand()
    return {"access": str(token.access_token), "refresh": str(token)}


def creator_token_revoke(*, refresh: str) -> None:
    """Sign a client out: its refresh token stops working now. Revoking twice is not an error."""
    try:
        # Signature and expiry only: a token already revoked is fine to revoke again.
        payload = jwt_token_backend.decode(refresh, verify=True)
    except TokenBackendError as exc:
        raise RefreshRefused(_refresh_refused_message()) from exc
    if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != RefreshToken.token_type:
        raise RefreshRefused(_refresh_refused_message())
    RefreshToken(refresh, verify=False).blacklist()


def user_refresh_tokens_revoke(*, user: User) -> int:
    """Revoke every refresh token the person holds (password changed, signed out of the hub)."""
    outstanding = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    revoked = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)


API_KEY_TOUCH_SECONDS = 60


def api_key_create(*, creator: Creator, created_by: User, name: str, scope: str) -> tuple[ApiKey, str]:
    """Make a key and return it with its full secret, which is shown this once and never stored."""
    if scope not in ApiKey.Scope.values:
        raise ValidationError({"scope": f"Choose one of: {', '.join(ApiKey.Scope.values)}."})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the key a name, so you know later where it is used."})
    prefix, secret = f"ck_{secrets.token_hex(6)}", secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        creator=creator,
        name=name[:80],
        prefix=prefix,
        secret_hash=hash_api_key_secret(secret),
        scope=scope,
        created_by=created_by,
    )
    return key, f"{prefix}.{secret}"


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_touch(*, key: ApiKey) -> None:
    """Record use, at most once a minute per key, so a busy key does not write on every request."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(seconds=API_KEY_TOUCH_SECONDS):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def invitation_create(*, creator: Creator, invited_by: User, email: str, role: str) -> tuple[Invitation, str]:
    """Invite someone by email; inviting the same address again replaces the earlier link.

    The invitation email names the inviter, so only a confirmed address may send one.
    """
    if not user_email_verified(invited_by):
        raise EmailNotVerified(
            _("Confirm your email address before inviting people: use the link we emailed you, or ask for a new one.")
        )
    email = User.objects.normalize_email(email).lower()
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    if Membership.objects.filter(creator=creator, user__email__iexact=email).exists():
        raise TeamRuleBroken(f"{email} is already in your team.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            creator=creator, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            creator=creator,
            email=email,
            role=role,
            token_hash=hash_invitation_token(token),
            invited_by=invited_by,
            expires_at=now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
        )
        from tenants.tasks import send_invitation_email

        send_invitation_email.send_on_commit(invitation.pk, token, creator=creator)
    return invitation, token


def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def user_name_set(*, user: User, name: str) -> User:
    """The name clients see when this person joins a conversation (get_full_name()).

    Kept whole in first_name: names do not split reliably into first and last ("María José
    García López"), and get_full_name() gives the whole name back.
    """
    user.first_name, user.last_name = name.strip()[:150], ""
    user.save(update_fields=["first_name", "last_name"])
    return user


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    if not invitation.is_open():
        raise TeamRuleBroken("This invitation has expired or was withdrawn. Ask for a new one.")
    if user.email.lower() != invitation.email.lower():
        raise TeamRuleBroken(f"This invitation is for {invitation.email}. Sign in with that address.")
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise TeamRuleBroken("This invitation was already accepted.")
        membership, _ = Membership.objects.get_or_create(
            creator=invitation.creator, user=user, defaults={"role": invitation.role}
        )
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        # Following the emailed link proves the address.
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return membership


def invitation_accept_with_new_account(
    *, invitation: Invitation, password: str, name: str = ""
) -> tuple[User, Membership]:
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise EmailTaken(invitation.email)
    validate_password(password, user=User(email=invitation.email))
    with transaction.atomic():
        user = User.objects.create_user(email=invitation.email, password=password, first_name=name.strip()[:150])
        membership = invitation_accept(invitation=invitation, user=user)
    return user, membership


def _lock_team(creator: Creator) -> None:
    """Lock every membership of the team, so two owners demoting each other cannot both succeed."""
    list(Membership.objects.select_for_update().filter(creator=creator).values_list("pk", flat=True))


def _owners_left_after(membership: Membership, new_role: str | None) -> int:
    owners = Membership.objects.filter(creator=membership.creator, role=Role.OWNER).exclude(pk=membership.pk).count()
    return owners + (1 if new_role == Role.OWNER else 0)


def membership_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    with transaction.atomic():
        _lock_team(membership.creator)
        if membership.role == Role.OWNER and _owners_left_after(membership, role) == 0:
            raise TeamRuleBroken("A coaching space needs at least one owner.")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, membership: Membership) -> None:
    with transaction.atomic():
        _lock_team(membership.creator)
        if membership.role == Role.OWNER and _owners_left_after(membership, None) == 0:
            raise TeamRuleBroken("A coaching space needs at least one owner.")
        membership.delete()


def platform_schemas_ensure() -> dict[str, Any]:
    """Create the public tenant, its hosts and the migrated template schema, idempotently."""
    public, _ = Creator.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={"name": "Compañero", "slug": "_platform", "kind": Creator.Kind.PLATFORM},
    )
    for hostname in {settings.PLATFORM_DOMAIN, "127.0.0.1"}:
        Domain.objects.get_or_create(domain=hostname, defaults={"tenant": public, "is_primary": False})
    template = Creator.objects.filter(schema_name=settings.TENANT_BASE_SCHEMA).first()
    if template is None:
        template = Creator(
            schema_name=settings.TENANT_BASE_SCHEMA,
            name="Template",
            slug="_template",
            kind=Creator.Kind.TEMPLATE,
        )
        template.save(verbosity=0)
    return {"public": public, "template": template}


def creator_wake_up_at(*, creator_id: int, due_at: datetime | None) -> None:
    """Wake the scheduler for this creator at `due_at` or sooner: the earlier time wins, so work
    scheduled from two places never pushes an earlier wake-up later. Call it in the transaction
    that schedules the work (see creator_wake_up_reset). None does nothing."""
    if due_at is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.tenants_creatorwakeup (creator_id, due_at) VALUES (%s, %s) "
            "ON CONFLICT (creator_id) DO UPDATE SET due_at = "
            "LEAST(public.tenants_creatorwakeup.due_at, EXCLUDED.due_at)",
            [creator_id, due_at],
        )


def creator_wake_up_reset(*, creator_id: int, next_due: Callable[[], datetime | None]) -> datetime | None:
    """After a creator's due work ran: the next wake-up is what `next_due()` reads from the
    creator's tables. The row is locked first, so work scheduled meanwhile (creator_wake_up_at,
    called in the scheduling transaction) is either seen by `next_due()` or applied after this."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM public.tenants_creatorwakeup WHERE creator_id = %s FOR UPDATE", [creator_id])
        due_at = next_due()
        if due_at is None:
            cursor.execute("DELETE FROM public.tenants_creatorwakeup WHERE creator_id = %s", [creator_id])
        else:
            cursor.execute(
                "INSERT INTO public.tenants_creatorwakeup (creator_id, due_at) VALUES (%s, %s) "
                "ON CONFLICT (creator_id) DO UPDATE SET due_at = EXCLUDED.due_at",
                [creator_id, due_at],
            )
        return due_at
