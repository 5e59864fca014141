"""Web push: the coach's messages reach the phone of someone who installed the companion app.

One VAPID key pair for the platform, made at set-up (`bootstrap_platform`) under var/ unless
VAPID_PRIVATE_KEY_FILE points at one you keep elsewhere.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

from django.conf import settings

from conversations.models import PushSubscription

logger = logging.getLogger(__name__)
GONE = {404, 410}


def vapid_keys_ensure() -> Path:
    from py_vapid import Vapid

    path = Path(settings.VAPID_PRIVATE_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        vapid = Vapid()
        vapid.generate_keys()
        vapid.save_key(str(path))
        path.chmod(0o600)
    return path


def vapid_public_key() -> str:
    """The applicationServerKey a browser subscribes with (uncompressed P-256 point, base64url)."""
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid

    vapid = Vapid.from_file(str(vapid_keys_ensure()))
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def push_send(subscription: PushSubscription, payload: dict[str, str]) -> bool:
    """Deliver one notification; a subscription the push service says is gone is removed."""
    from pywebpush import WebPushException, webpush

    subscription_id = subscription.pk
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload),
            vapid_private_key=str(vapid_keys_ensure()),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            timeout=settings.PUSH_TIMEOUT_SECONDS,
            ttl=24 * 3600,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in GONE:
            subscription.delete()
        else:
            PushSubscription.objects.filter(pk=subscription.pk).update(last_error=str(exc)[:300])
        logger.warning("push to %s failed with %s", subscription_id, status or type(exc).__name__)
        return False
    return True
