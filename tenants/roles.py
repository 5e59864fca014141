"""Roles a team member can hold and what each one may do.

One table for hub views, API permissions and the hub's admin, so the three never disagree.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    COACH = "coach", "Coach"
    ANALYST = "analyst", "Analyst"


class Capability(StrEnum):
    MANAGE_TEAM = "manage_team"
    EDIT_CONTENT = "edit_content"
    VIEW_CONTENT = "view_content"
    ANSWER_CONVERSATIONS = "answer_conversations"
    VIEW_ANALYTICS = "view_analytics"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.COACH: frozenset(
        {
            Capability.EDIT_CONTENT,
            Capability.VIEW_CONTENT,
            Capability.ANSWER_CONVERSATIONS,
            Capability.VIEW_ANALYTICS,
        }
    ),
    Role.ANALYST: frozenset({Capability.VIEW_ANALYTICS}),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
