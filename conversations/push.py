"""Web push: the coach's messages reach the phone of someone who installed the companion app.

One VAPID key pair for the platform, made at set-up (`bootstrap_platform`) under var/ unless
VAPID_PRIVATE_KEY_FILE points at one you keep elsewhere.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter

from conversations.models import MemberPushSubscription, PushSubscription
from knowledge.addresses import AddressRefused, public_address

logger = logging.getLogger(__name__)
GONE = {404, 410}
# The browsers' push services; an endpoint anywhere else is refused (WEBPUSH_ALLOWED_HOSTS adds more).
BROWSER_PUSH_SERVICES = (
    "fcm.googleapis.com",  # Chrome, Edge, Opera, Samsung Internet and the other Chromium browsers
    "updates.push.services.mozilla.com",  # Firefox
    "*.push.apple.com",  # Safari (web.push.apple.com)
    "*.notify.windows.com",  # Windows push (wns2-*.notify.windows.com)
)


class EndpointRefused(Exception):
    """A push endpoint we will not call: not a push service, not https, or not on the public internet."""


@dataclass(frozen=True)
class PushTarget:
    url: str  # the endpoint with the checked address in place of the name
    host_header: str
    hostname: str


def _known_service(host: str) -> bool:
    for pattern in (*BROWSER_PUSH_SERVICES, *settings.WEBPUSH_ALLOWED_HOSTS):
        pattern = pattern.strip().lower()
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def push_target(endpoint: str) -> PushTarget:
    """Where a push for `endpoint` goes, checked now: at subscription and again before every send, so
    a name that later resolves inside our network (DNS rebinding) is refused."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise EndpointRefused(_("This push endpoint is not a valid address.")) from exc
    host = (parts.hostname or "").lower()
    private_ok = f"{host}:{port}" in {entry.strip() for entry in settings.WEBPUSH_ALLOWED_PRIVATE_HOSTS}
    if not host or parts.username or parts.password:
        raise EndpointRefused(_("This push endpoint is not a valid address."))
    if parts.scheme != "https" and not (private_ok and parts.scheme == "http"):
        raise EndpointRefused(_("Push endpoints must use https."))
    if not (private_ok or _known_service(host)):
        raise EndpointRefused(_("This push endpoint does not belong to a known push service."))
    try:
        address = public_address(host, port, allowed_private=settings.WEBPUSH_ALLOWED_PRIVATE_HOSTS)
    except AddressRefused as exc:
        raise EndpointRefused(_("This push endpoint is not on the public internet.")) from exc
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    named = f"[{host}]" if ":" in host else host
    host_header = named if parts.port is None else f"{named}:{port}"
    return PushTarget(urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, host)


class _PinnedAdapter(HTTPAdapter):
    """TLS to the checked address still names (SNI) and verifies the push service's own host."""

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            pool_kwargs.update(server_hostname=self.hostname, assert_hostname=self.hostname)
        return host_params, pool_kwargs


class _PinnedSession(requests.Session):
    """Posts to one checked address and never follows a redirect (a 3xx is a failed push)."""

    def __init__(self, target: PushTarget) -> None:
        super().__init__()
        self.target = target
        self.trust_env = False  # no proxies or .netrc from the environment
        self.mount("https://", _PinnedAdapter(target.hostname))
        self.mount("http://", _PinnedAdapter(target.hostname))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["allow_redirects"] = False
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "Host": self.target.host_header}
        return super().request(method, self.target.url, *args, **kwargs)


def push_session(endpoint: str) -> requests.Session:
    """A session whose every request goes to `endpoint`'s address as checked now (EndpointRefused if not)."""
    return _PinnedSession(push_target(endpoint))


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


def subscription_checked(subscription: Any) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) of a browser's PushSubscription JSON, or ValidationError saying why:
    malformed, too long, or an endpoint that is not a browser's push service on the public internet."""
    try:
        endpoint = str(subscription["endpoint"])
        keys = subscription["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (KeyError, TypeError) as exc:
        raise ValidationError({"subscription": _("Send the browser's PushSubscription as JSON.")}) from exc
    too_long = len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100
    if too_long or "\x00" in endpoint + p256dh + auth:  # the database refuses NUL in text
        raise ValidationError({"subscription": _("This push subscription is not valid.")})
    try:
        push_target(endpoint)  # a browser's push service on the public internet, never ours
    except EndpointRefused as exc:
        raise ValidationError({"subscription": str(exc)}) from exc
    return endpoint, p256dh, auth


def push_send(subscription: PushSubscription | MemberPushSubscription, payload: dict[str, str]) -> bool:
    """Deliver one notification (to a client's or a team member's browser); a subscription the push
    service says is gone is removed."""
    from pywebpush import WebPushException, webpush

    rows = type(subscription).objects.filter(pk=subscription.pk)
    subscription_id = subscription.pk
    try:
        session = push_session(subscription.endpoint)
    except EndpointRefused as exc:
        rows.update(last_error=str(exc)[:300])
        logger.warning("push to %s refused: %s", subscription_id, exc)
        return False
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
            requests_session=session,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in GONE:
            subscription.delete()
        else:
            rows.update(last_error=str(exc)[:300])
        logger.warning("push to %s failed with %s", subscription_id, status or type(exc).__name__)
        return False
    finally:
        session.close()
    return True
