from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from analytics.models import Event
from tenants.models import Creator
from tenants.selectors import open_invitations, team_members


def creator_overview(*, creator: Creator) -> dict[str, Any]:
    """What analytics can say before conversations exist: the team and its growth."""
    by_role = dict(team_members(creator=creator).order_by().values_list("role").annotate(n=Count("id")))
    return {
        "members_by_role": by_role,
        "members": sum(by_role.values()),
        "open_invitations": open_invitations(creator=creator).count(),
        "created_at": creator.created_at,
    }


def events_for_contact(*, contact_id: uuid.UUID) -> QuerySet[Event]:
    """One contact's events, oldest first: what an export or an erasure needs to see."""
    return Event.objects.filter(contact_id=contact_id).order_by("occurred_at", "id")


def event_counts(*, since: datetime, until: datetime) -> dict[str, int]:
    """How many events of each kind happened in [since, until), with every kind present.

    Kinds with no events count 0, so a dashboard can show a stable set of tiles without guessing.
    """
    counted = dict(
        Event.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return {kind: counted.get(kind, 0) for kind in Event.Kind.values}
