"""Browsers that agreed to receive the coach's messages as web push."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from conversations.models import Contact, PushSubscription
from conversations.push import EndpointRefused, push_target

logger = logging.getLogger(__name__)


# --- Web push -----------------------------------------------------------------------------------


def push_subscribe(*, contact: Contact, subscription: dict[str, Any]) -> PushSubscription:
    try:
        endpoint = str(subscription["endpoint"])
        keys = subscription["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (KeyError, TypeError) as exc:
        raise ValidationError({"subscription": "Send the browser's PushSubscription as JSON."}) from exc
    too_long = len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100
    if too_long or "\x00" in endpoint + p256dh + auth:  # the database refuses NUL in text
        raise ValidationError({"subscription": _("This push subscription is not valid.")})
    try:
        push_target(endpoint)  # a browser's push service on the public internet, never ours
    except EndpointRefused as exc:
        raise ValidationError({"subscription": str(exc)}) from exc
    item, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"contact": contact, "p256dh": p256dh, "auth": auth, "last_error": ""}
    )
    return item
