"""Reads about creators and teams. Every function takes the creator it is scoped to."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tenants.models import ApiKey, Creator, Invitation, Membership, User, hash_api_key_secret, hash_invitation_token
from tenants.scope import creator_schema


def creator_memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, creator__kind=Creator.Kind.CREATOR)
        .select_related("creator")
        .order_by("created_at")
    )


def user_email_verified(user: Any) -> bool:
    """Whether the person confirmed the address they sign in with. Actions that speak in their
    name to others (invitations, connecting outlets) require it."""
    if not getattr(user, "is_authenticated", False):
        return False
    return EmailAddress.objects.filter(user_id=user.pk, email__iexact=user.email, verified=True).exists()


def membership_for(*, user: Any, creator: Creator) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or creator.kind != Creator.Kind.CREATOR:
        return None
    return Membership.objects.filter(user=user, creator=creator).select_related("user").first()


def team_members(*, creator: Creator) -> QuerySet[Membership]:
    return Membership.objects.filter(creator=creator).select_related("user").order_by("created_at")


def team_membership_get(*, creator: Creator, membership_id: int) -> Membership | None:
    return team_members(creator=creator).filter(pk=membership_id).first()


def open_invitations(*, creator: Creator) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        creator=creator, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def invitation_by_token(*, creator: Creator, token: str) -> Invitation | None:
    return Invitation.objects.filter(creator=creator, token_hash=hash_invitation_token(token)).first()


def creator_zone(creator: Creator) -> ZoneInfo:
    """The creator's time zone, for schedules and analytics' day boundaries: "today" for a coach in
    Madrid ends at midnight in Madrid, not in UTC. The name was validated when it was saved."""
    return ZoneInfo(creator.timezone)


def creator_language() -> str:
    """The current creator's default language, for what starts before a person has written in
    theirs (a new conversation, the coach's first words)."""
    found = Creator.objects.filter(schema_name=creator_schema()).values_list("language", flat=True).first()
    return found or settings.LANGUAGE_CODE


def creator_by_slug(*, slug: str) -> Creator | None:
    return Creator.objects.filter(slug=slug, kind=Creator.Kind.CREATOR).first()


def platform_usage(*, days: int = 30) -> dict[str, Any]:
    """Numbers staff look at on the admin's usage page."""
    now = timezone.now()
    creators = Creator.objects.filter(kind=Creator.Kind.CREATOR)
    totals = creators.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=Creator.Status.ACTIVE)),
        suspended=Count("id", filter=Q(status=Creator.Status.SUSPENDED)),
    )
    since = now - timedelta(days=days - 1)
    by_day = {(since + timedelta(days=offset)).date(): 0 for offset in range(days)}
    for created_at in creators.filter(created_at__date__gte=since.date()).values_list("created_at", flat=True):
        by_day[created_at.date()] = by_day.get(created_at.date(), 0) + 1
    roles = dict(
        Membership.objects.filter(creator__kind=Creator.Kind.CREATOR)
        .values_list("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    return {
        "creators": totals,
        "people": User.objects.count(),
        "members_by_role": roles,
        "signups_by_day": sorted(by_day.items()),
        "open_invitations": Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).count(),
    }


def api_keys_for(*, creator: Creator) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(creator=creator).select_related("created_by")


def api_key_get(*, creator: Creator, key_id: Any) -> ApiKey | None:
    return api_keys_for(creator=creator).filter(pk=key_id).first()


def api_key_for_secret(*, raw_key: str) -> ApiKey | None:
    """The active key a presented `ck_<prefix>.<secret>` stands for, compared in constant time."""
    import hmac

    prefix, _, secret = raw_key.partition(".")
    if not prefix.startswith("ck_") or not secret or len(raw_key) > 200:
        return None
    key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).select_related("created_by").first()
    if key is None or not hmac.compare_digest(key.secret_hash, hash_api_key_secret(secret)):
        return None
    return key


def creators_due(*, now: datetime, limit: int = 10_000) -> list[tuple[int, str]]:
    """(id, schema) of the creators with proactive work due by `now`: one indexed read, however
    many creators there are."""
    from tenants.models import CreatorWakeUp

    rows = CreatorWakeUp.objects.filter(due_at__lte=now, creator__status=Creator.Status.ACTIVE)
    return list(rows.order_by("due_at").values_list("creator_id", "creator__schema_name")[:limit])
