"""What outlets behind a platform's API share (Telegram, WhatsApp, email): sending happens in a job
with retries (conversations.services.outbound), and webhooks arrive as raw deliveries that a job
turns into turns (conversations.services.inbound)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import httpx
from django.conf import settings

from conversations.models import Delivery, Message
from conversations.outlets.base import DeliveryResult, Inbound, MediaRef, Outlet
from tenants.scope import creator_schema

if TYPE_CHECKING:
    from conversations.models import ContactIdentity, MessagingOutlet


class RemoteOutlet(Outlet):
    """An outlet whose messages leave through a platform's API, never inside the request."""

    def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        from conversations.tasks import delivery_send

        delivery_send.send(creator_schema(), str(delivery.pk))
        return DeliveryResult(Delivery.Status.QUEUED)

    def send(
        self,
        *,
        delivery: Delivery,
        message: Message,
        identity: ContactIdentity | None,
        messaging_outlet: MessagingOutlet | None,
        part_from: int = 0,
    ) -> list[str]:
        """Hand the message to the platform, from part `part_from` on; the platform's ids of the parts
        sent. Raises SendLater (try again) or SendRefused (it will not go this way)."""
        raise NotImplementedError

    def carry_refusal(self, *, identity: ContactIdentity | None, template: dict | None) -> str:
        """Why a message the coach starts cannot go out here now ("" when it can), without asking the
        platform: the router uses it to pick the way before anything is sent."""
        return ""

    def parse(self, body: bytes, messaging_outlet: MessagingOutlet) -> list[Inbound]:
        raise NotImplementedError

    def show_typing(self, messaging_outlet: MessagingOutlet, inbound: Inbound) -> None:
        """Tell the person a reply is coming (and that their message was read, where the platform has it)."""

    def fetch_media(self, messaging_outlet: MessagingOutlet, media: MediaRef) -> tuple[bytes, str]:
        """The file's bytes and content type (raises ValueError when it is too big or gone)."""
        raise NotImplementedError

    def acknowledge_callback(self, messaging_outlet: MessagingOutlet, inbound: Inbound) -> None:
        """Button presses that must be answered for the person's app to stop waiting."""


@functools.cache
def platform_http() -> httpx.Client:
    """One pooled client per process for the platforms' APIs (connections are reused across sends).
    Redirects are not followed: an API answering with one is treated as failing."""
    return httpx.Client(timeout=settings.OUTLET_API_TIMEOUT_SECONDS, follow_redirects=False)
