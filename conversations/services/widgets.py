"""The chat widgets a creator pastes into their sites: made on demand and edited from the hub or the API."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from analytics.models import Event
from analytics.services import event_record
from conversations.models import Widget
from conversations.selectors import widget_first
from tenants.limits import limit_key_digest
from tenants.scope import creator_key


def widget_ensure() -> Widget:
    """Every creator has a widget to show and configure; the first is made the first time one is needed,
    so a new creator's hub and API never answer with nothing to paste."""
    return widget_first() or Widget.objects.create()


def widget_save(
    *,
    widget: Widget,
    name: str,
    greeting: str,
    avatar: str,
    color: str,
    text_color: str,
    position: str,
    allowed_origins: list[str],
) -> Widget:
    """Store settings the hub form or the API already checked; the model's own checks run again so
    neither caller can store what the other would refuse."""
    widget.name, widget.greeting, widget.avatar, widget.position = name, greeting, avatar, position
    widget.color, widget.text_color, widget.allowed_origins = color, text_color, allowed_origins
    widget.full_clean()
    with transaction.atomic():
        widget.save()
    return widget


def widget_open_record(*, widget: Widget, browser: str) -> None:
    """Count a widget opened: once per browser and day, so reloads (or a script hammering the
    public frame) cannot inflate the figure or fill the table."""
    day = timezone.localdate().isoformat()
    if cache.add(creator_key("widget-opened", widget.pk, limit_key_digest(browser), day), 1, 26 * 3600):
        event_record(Event.Kind.WIDGET_OPENED, subject_id=widget.pk, outlet="web")
