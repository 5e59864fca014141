"""What every outlet supplies to the turn core and the outbound verb, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    # One thread per person on this outlet (a chat, a number): their next message continues it.
    one_thread_per_person: bool = False
    # The longest text one platform message may hold; longer replies go out in parts.
    max_text_chars: int | None = None


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


class SendLater(Exception):
    """The platform asked to wait (429) or failed on its side (5xx, timeout): try again later."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class SendRefused(Exception):
    """The platform will not deliver this message; retrying the same send cannot help.

    `unreachable`: the person cannot be reached here at all (blocked the bot, no account);
    `window_closed`: only a template may go now (WhatsApp's 24 hours); `outlet_broken`: the creator's
    token or number no longer works (the outlet page shows it)."""

    def __init__(
        self,
        reason: str,
        *,
        code: str = "",
        unreachable: bool = False,
        window_closed: bool = False,
        outlet_broken: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.unreachable = unreachable
        self.window_closed = window_closed
        self.outlet_broken = outlet_broken


class PartialSend(Exception):
    """A send that stopped after some parts went out: the parts already sent are kept, not resent."""

    def __init__(self, sent: list[str], cause: SendLater | SendRefused) -> None:
        super().__init__(str(cause))
        self.sent = sent
        self.cause = cause


@dataclass(frozen=True)
class MediaRef:
    """A file a person sent, as the platform names it until it is downloaded."""

    kind: str  # audio, image
    platform_id: str
    content_type: str = ""
    size: int = 0


@dataclass(frozen=True)
class Inbound:
    """One thing a platform told us, outlet-neutral: a message, an edit, a button press, a delivery
    status, or the person blocking / unblocking the bot."""

    kind: str  # message, edit, callback, status, blocked, unblocked
    address: str = ""  # who, on this outlet (a chat id, a WhatsApp id)
    other_addresses: tuple[str, ...] = ()  # the same person's other ids here (a phone and a user id)
    name: str = ""
    language: str = ""
    text: str = ""
    platform_message_id: str = ""
    media: MediaRef | None = None
    callback_id: str = ""
    status: str = ""  # for statuses: sent, delivered, read, failed
    error_code: str = ""
    error_title: str = ""
    sent_at: datetime | None = None
    extra: dict = field(default_factory=dict)


def text_parts(text: str, limit: int) -> list[str]:
    """`text` cut into pieces of at most `limit` characters, at sentence ends where possible, then at
    spaces, never inside a word unless one word is longer than the limit."""
    import re

    text = text.strip()
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in re.split(r"(?<=[.!?…])\s+|\n{2,}", text):
        while len(sentence) > limit:  # one sentence longer than a message: cut at the last space
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(sentence[:cut].rstrip())
            sentence = sentence[cut:].lstrip()
        candidate = f"{current} {sentence}".strip() if current else sentence
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = sentence
    if current:
        parts.append(current)
    return [part for part in parts if part]
