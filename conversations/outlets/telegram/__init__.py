"""Telegram: a creator's bot (BotFather token). Updates arrive at the outlet's own webhook with the
secret_token given to setWebhook; replies leave through the Bot API from a job."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from conversations.outlets.base import (
    Capabilities,
    Inbound,
    MediaRef,
    PartialSend,
    SendLater,
    SendRefused,
    text_parts,
)
from conversations.outlets.remote import RemoteOutlet
from conversations.outlets.telegram.client import TelegramClient, TelegramError, TelegramUnavailable

if TYPE_CHECKING:
    from conversations.models import ContactIdentity, Delivery, Message, MessagingOutlet

logger = logging.getLogger(__name__)
MAX_TEXT_CHARS = 4096
MAX_FILE_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# 403 descriptions that mean this person cannot be written to from this bot.
UNREACHABLE = ("blocked by the user", "user is deactivated", "can't initiate conversation", "chat not found")


class TelegramOutlet(RemoteOutlet):
    name = "telegram"
    capabilities = Capabilities(
        typing_indicator=True,
        buttons=True,
        media=True,
        reaches_proactively=True,
        one_thread_per_person=True,
        max_text_chars=MAX_TEXT_CHARS,
    )

    def carry_refusal(self, *, identity: ContactIdentity | None, template: dict | None) -> str:
        if identity is None:
            return "no Telegram chat with this person"
        return ""

    def send(
        self,
        *,
        delivery: Delivery,
        message: Message,
        identity: ContactIdentity | None,
        messaging_outlet: MessagingOutlet | None,
        part_from: int = 0,
    ) -> list[str]:
        if identity is None or messaging_outlet is None:
            raise SendRefused("no Telegram chat with this person", unreachable=True)
        client = TelegramClient(messaging_outlet.credential)
        sent: list[str] = []
        for part in text_parts(message.text, MAX_TEXT_CHARS)[part_from:]:
            try:
                result = client.call("sendMessage", chat_id=identity.address, text=part)
            except TelegramUnavailable as exc:
                raise PartialSend(sent, SendLater(f"Telegram did not answer ({exc})")) from None
            except TelegramError as exc:
                raise PartialSend(sent, refusal_for(exc)) from None
            sent.append(str((result or {}).get("message_id", "")))
        return sent

    def parse(self, body: bytes, messaging_outlet: MessagingOutlet) -> list[Inbound]:
        update = json.loads(body)
        return [item for item in [inbound_from_update(update)] if item is not None]

    def show_typing(self, messaging_outlet: MessagingOutlet, inbound: Inbound) -> None:
        try:
            TelegramClient(messaging_outlet.credential).call("sendChatAction", chat_id=inbound.address, action="typing")
        except (TelegramError, TelegramUnavailable) as exc:
            logger.info("typing indicator not shown: %s", exc)

    def acknowledge_callback(self, messaging_outlet: MessagingOutlet, inbound: Inbound) -> None:
        try:
            TelegramClient(messaging_outlet.credential).call(
                "answerCallbackQuery", callback_query_id=inbound.callback_id
            )
        except (TelegramError, TelegramUnavailable) as exc:
            logger.warning("callback query not answered: %s", exc)

    def fetch_media(self, messaging_outlet: MessagingOutlet, media: MediaRef) -> tuple[bytes, str]:
        if media.size > MAX_FILE_BYTES:
            raise ValueError("the file is larger than Telegram lets bots download (20 MB)")
        client = TelegramClient(messaging_outlet.credential)
        try:
            found = client.call("getFile", file_id=media.platform_id)
        except (TelegramError, TelegramUnavailable) as exc:
            raise ValueError(f"Telegram did not give the file ({exc})") from None
        path = (found or {}).get("file_path")
        if not isinstance(path, str) or not path or ".." in path:
            raise ValueError("Telegram gave no usable file path")
        return client.download(path, MAX_FILE_BYTES), media.content_type


def refusal_for(exc: TelegramError) -> SendLater | SendRefused:
    description = exc.description.lower()
    if exc.error_code == 429:
        return SendLater(f"Telegram asked to wait ({exc.description})", retry_after=exc.retry_after or 1)
    if exc.error_code >= 500:
        return SendLater(f"Telegram failed on its side ({exc.error_code})")
    if exc.error_code == 401 or exc.error_code == 404:
        return SendRefused("The bot's token no longer works (revoked in BotFather?)", outlet_broken=True)
    if exc.error_code == 403 or any(words in description for words in UNREACHABLE):
        if "blocked" in description:
            reason = "The person blocked the bot"
        elif "deactivated" in description:
            reason = "The person's Telegram account was deleted"
        else:
            reason = "The person has not started a chat with the bot"
        return SendRefused(reason, code=str(exc.error_code), unreachable=True)
    return SendRefused(f"Telegram refused the message: {exc.description}", code=str(exc.error_code))


def _when(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int) and value > 0 else None


def _name(user: dict) -> str:
    return " ".join(str(user.get(k) or "") for k in ("first_name", "last_name")).strip()[:120]


def inbound_from_update(update: Any) -> Inbound | None:
    """One Bot API Update as an Inbound; None for what the coach does not act on (groups, channels,
    kinds not asked for). Raises ValueError for an update missing what its kind requires."""
    if not isinstance(update, dict):
        raise ValueError("an update is a JSON object")
    if isinstance(update.get("message"), dict) or isinstance(update.get("edited_message"), dict):
        edited = "message" not in update
        message = update.get("edited_message") if edited else update["message"]
        chat = message.get("chat")
        if not isinstance(chat, dict) or "id" not in chat or "message_id" not in message:
            raise ValueError("a message without a chat or an id")
        if chat.get("type") != "private":
            return None  # the coach talks one to one; groups and channels are not its place
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        media = None
        voice = message.get("voice") or message.get("audio")
        photo = message.get("photo")
        if isinstance(voice, dict) and voice.get("file_id"):
            media = MediaRef(
                "audio",
                str(voice["file_id"]),
                str(voice.get("mime_type") or "audio/ogg"),
                int(voice.get("file_size") or 0),
            )
        elif isinstance(photo, list) and photo and isinstance(photo[-1], dict) and photo[-1].get("file_id"):
            largest = photo[-1]  # the Bot API lists sizes smallest first
            media = MediaRef("image", str(largest["file_id"]), "image/jpeg", int(largest.get("file_size") or 0))
        text = message.get("text") or message.get("caption") or ""
        if not isinstance(text, str):
            raise ValueError("a message whose text is not text")
        if not text and media is None:
            return None  # stickers, locations, contacts: nothing the coach reads yet
        return Inbound(
            kind="edit" if edited else "message",
            address=str(chat["id"]),
            name=_name(sender) or _name(chat),
            language=str(sender.get("language_code") or "")[:2],
            text=text,
            platform_message_id=f"tg:{message['message_id']}",
            media=media,
            sent_at=_when(message.get("date")),
        )
    if isinstance(update.get("callback_query"), dict):
        query = update["callback_query"]
        sender = query.get("from") if isinstance(query.get("from"), dict) else {}
        if "id" not in query or "id" not in sender:
            raise ValueError("a callback query without an id or a sender")
        data = query.get("data")
        return Inbound(
            kind="callback",
            address=str(sender["id"]),  # in a private chat the chat id is the person's id
            name=_name(sender),
            language=str(sender.get("language_code") or "")[:2],
            text=data if isinstance(data, str) else "",
            platform_message_id=f"tgcb:{query['id']}",
            callback_id=str(query["id"]),
        )
    if isinstance(update.get("my_chat_member"), dict):
        member = update["my_chat_member"]
        chat = member.get("chat") if isinstance(member.get("chat"), dict) else {}
        new = member.get("new_chat_member") if isinstance(member.get("new_chat_member"), dict) else {}
        if chat.get("type") != "private" or "id" not in chat:
            return None
        status = new.get("status")
        if status == "kicked":
            return Inbound(kind="blocked", address=str(chat["id"]), sent_at=_when(member.get("date")))
        if status == "member":
            return Inbound(kind="unblocked", address=str(chat["id"]), sent_at=_when(member.get("date")))
        return None
    return None


outlet = TelegramOutlet()
