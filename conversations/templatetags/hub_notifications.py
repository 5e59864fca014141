"""The hub's bell: how many of the signed-in member's own notifications are unread."""

from __future__ import annotations

from typing import Any

from django import template

from conversations.selectors import team_notifications_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """Counted once per request (one query) however often the page asks; 0 outside the hub."""
    request = context.get("request")
    if request is None or getattr(request, "membership", None) is None:
        return 0
    if not hasattr(request, "unread_notifications"):
        request.unread_notifications = team_notifications_unread_count(user_id=request.user.pk)
    return request.unread_notifications
