"""What every outlet supplies to the turn core and the outbound verb, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conversations.models import Delivery, Message


@dataclass(frozen=True)
class Capabilities:
    """What an outlet can carry; stages and senders ask this instead of naming outlets."""

    streaming: bool = False  # the reply can be shown piece by piece as it is written
    typing_indicator: bool = False
    buttons: bool = False
    media: bool = False
    delivery_receipts: bool = False  # the outlet reports delivered / read later
    # How long after the person's last message the coach may write freely (WhatsApp: 24 h); None: always.
    reply_window: timedelta | None = None
    # Delivery happens as the message is stored (an open socket, an HTTP response): `sent` at once.
    in_band: bool = False
    # Inbound messages count against the person's flood limit (anyone can open a widget).
    limits_person: bool = False
    # The coach may start a conversation here (a nudge, a check-in) without an inbound message.
    reaches_proactively: bool = False


@dataclass(frozen=True)
class DeliveryResult:
    status: str
    reason: str = ""
    outlet_message_id: str = ""


class Outlet:
    """One way in and out. Adding an outlet is one folder under conversations/outlets/ and one line
    in settings.CONVERSATION_OUTLETS."""

    name: str = ""
    capabilities = Capabilities()

    def format(self, text: str) -> str:
        """The reply as this outlet shows it (markup, length); plain text by default."""
        return text

    def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        """Called after the message is committed; outlets that reach a remote service queue a job."""
        raise NotImplementedError
