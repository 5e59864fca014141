from __future__ import annotations

from typing import Any

from django.db.models import Count

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
