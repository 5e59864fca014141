"""Live chat over websockets. Consumers parse frames and call services; every database call runs
inside the creator's schema, activated in the thread that makes it (never once per connection).

Frames (JSON, client → server): hello {token?, conversation?, after?}, message {text, client_id},
identify {email}, ping. Server → client: ready, history, ack, typing, token, message, handler,
identify_sent, pong, error {code, message, retry_after?}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from conversations import services
from conversations.flood import FrameBucket, anonymous_chat_wait_seconds, scope_client_ip
from conversations.identity import identity_from_token, visitor_token_new
from conversations.payloads import message_payload
from conversations.realtime import conversation_group, inbox_group
from conversations.selectors import conversation_history, widget_by_key
from conversations.services.turns import Turn, turn_intake
from conversations.streaming import ReplyFailed, ReplyFinished, in_schema, reply_pieces
from knowledge.query_vectors import answer_path_warm, query_vector_prefetch
from tenants.middleware import SESSION_SCHEMA_KEY
from tenants.roles import Capability
from tenants.selectors import membership_for

logger = logging.getLogger(__name__)
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CLOSE_TOO_BIG = 1009
CLOSE_UNKNOWN_WIDGET = 4404
CLOSE_FLOOD = 4429
CLOSE_FORBIDDEN = 4403
CLOSE_TRY_AGAIN = 1013
MAX_STRIKES = 10


def header(scope: dict[str, Any], name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == name), "")


def same_origin(scope: dict[str, Any]) -> bool:
    """The Origin is this creator's own host (the widget frame and the companion app live there)."""
    return urlsplit(header(scope, b"origin")).netloc.lower() == header(scope, b"host").lower()


class ChatConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Redis gone (channel layer, flood counters): close cleanly with a code browsers retry on.
        What was stored stays stored; what was not acknowledged is re-sent by the browser."""
        try:
            await super().__call__(scope, receive, send)
        except RedisError as exc:
            logger.warning("chat socket closed: Redis unavailable (%s)", type(exc).__name__)
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN, "reason": "Reconnecting shortly."})

    async def connect(self) -> None:
        self.schema = self.scope["tenant"].schema_name
        self.bucket = FrameBucket(settings.CHAT_FRAMES_BURST, settings.CHAT_FRAMES_PER_SECOND)
        self.strikes = 0
        self.contact_id: Any = None
        self.visitor_id: Any = None
        self.conversation_id: Any = None
        self.streaming: set[str] = set()
        self.sent: set[str] = set()
        self.tasks: set[asyncio.Task] = set()
        self.links_asked = 0
        self.identity: Any = None
        self.client_ip = scope_client_ip(self.scope)
        key = self.scope["url_route"]["kwargs"].get("widget_key")
        self.widget = await in_schema(self.schema, widget_by_key, key) if key else None
        if key and self.widget is None:
            await self.accept()
            await self.close(code=CLOSE_UNKNOWN_WIDGET, reason="This chat widget does not exist (check its key).")
            return
        origin = header(self.scope, b"origin")
        if origin and not same_origin(self.scope) and not (self.widget and self.widget.allows_origin(origin)):
            await self.close()  # refused before accept: the browser sees a failed handshake (403)
            return
        await self.accept()
        answer_path_warm()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels hops to its one shared sync thread before every frame, to tidy that thread's
        database connection. This consumer never uses that thread (its database work runs in the
        pools above, which check their own connections), so the hop only queued every socket of the
        process behind the others."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code: int) -> None:
        if self.conversation_id:
            await self.channel_layer.group_discard(
                conversation_group(self.schema, self.conversation_id), self.channel_name
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raw = text_data if text_data is not None else bytes_data or b""
        if len(raw) > settings.CHAT_MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_BIG, reason=f"Frames are limited to {settings.CHAT_MAX_FRAME_BYTES} bytes.")
            return
        wait = self.bucket.take()
        if wait:
            self.strikes += 1
            if self.strikes > MAX_STRIKES:
                await self.close(code=CLOSE_FLOOD, reason="Too many frames. Slow down, then reconnect.")
            else:
                await self.error("rate_limited", "You are sending too fast.", retry_after=round(wait, 1))
            return
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            await self.error("bad_json", "Frames must be JSON objects.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.error("bad_frame", 'Frames are JSON objects with a "type".')
            return
        handler = {"hello": self.on_hello, "message": self.on_message, "identify": self.on_identify}.get(frame["type"])
        if frame["type"] == "ping":
            await self.send_json({"type": "pong"})
        elif handler is None:
            await self.error("unknown_type", f"Unknown frame type {frame['type'][:40]!r}.")
        else:
            await handler(frame)

    async def on_hello(self, frame: dict[str, Any]) -> None:
        identity = identity_from_token(frame.get("token"), schema=self.schema)
        token = frame.get("token")
        if identity is None:
            token = visitor_token_new(schema=self.schema)
            identity = identity_from_token(token, schema=self.schema)
        try:
            state = await in_schema(
                self.schema, self._hello_state, identity, frame.get("conversation"), frame.get("after")
            )
        except services.ConversationNotFound:
            await self.close(code=CLOSE_FORBIDDEN, reason="This sign-in is no longer valid. Sign in again.")
            return
        self.contact_id, self.visitor_id = state["contact"], identity.visitor_id
        self.identity = identity
        await self.join(state["conversation"])
        await self.send_json(
            {
                "type": "ready",
                "token": token,
                "conversation": state["conversation"],
                "handler": state["handler"],
                "name": state["name"],
            }
        )
        self.sent.update(m["id"] for m in state["messages"])
        await self.send_json({"type": "history", "messages": state["messages"]})

    @staticmethod
    def _hello_state(identity: Any, conversation_id: Any, after: Any) -> dict[str, Any]:
        """Nothing is written here: a browser that only opens the chat leaves no row behind."""
        contact = services.web_contact_find(identity=identity)
        conversation = (
            services.web_conversation_find(
                contact=contact, conversation_id=conversation_id if isinstance(conversation_id, str) else None
            )
            if contact is not None
            else None
        )
        messages = (
            conversation_history(conversation=conversation, after=after if isinstance(after, str) else None)
            if conversation
            else []
        )
        return {
            "contact": contact.pk if contact is not None else None,
            "name": contact.display_name if contact is not None else "",
            "conversation": str(conversation.pk) if conversation else None,
            "handler": conversation.handler if conversation else "ai",
            "messages": [message_payload(m) for m in messages],
        }

    async def on_message(self, frame: dict[str, Any]) -> None:
        text, client_id = frame.get("text"), frame.get("client_id")
        if self.contact_id is None and self.visitor_id is None:
            await self.error("hello_first", "Send a hello frame first.")
            return
        if not isinstance(text, str) or not text.strip():
            await self.error("bad_message", "Write a message.")
            return
        if not services.storable_text(text):
            await self.error("bad_message", _("This message holds characters that cannot be stored."))
            return
        if client_id is not None and not (isinstance(client_id, str) and CLIENT_ID.match(client_id)):
            await self.error("bad_message", "client_id must be 8-64 letters, digits, - or _.")
            return
        query_vector_prefetch(scope=self.schema, text=text.strip())  # while the message is stored
        try:
            wait, message, handler, turn = await in_schema(self.schema, self._receive, text, client_id)
        except ValidationError as exc:
            await self.error("bad_message", " ".join(exc.messages))
            return
        if wait:
            await self.error("rate_limited", "That is a lot of messages: give your coach a moment.", retry_after=wait)
            return
        await self.join(message["conversation"])
        self.sent.add(message["id"])
        await self.send_json(
            {"type": "ack", "client_id": client_id, "conversation": self.conversation_id, "message": message}
        )
        if handler == "ai":
            task = asyncio.create_task(self.stream_reply(message["id"], turn))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def _receive(self, text: str, client_id: str | None) -> tuple[int, Any, str, Turn | None]:
        """One trip to the database thread: the anonymous budgets, then the turn's intake (the
        message stored and, when new and the AI answers, claimed). Returns (wait, payload, handler, turn)."""
        widget_key = self.widget.key if self.widget else f"app:{self.schema}"
        wait = anonymous_chat_wait_seconds(
            client_ip=self.client_ip, widget_key=widget_key, new_visitor=self.contact_id is None
        )
        if wait:
            return wait, None, "", None
        turn = turn_intake(
            Turn(
                outlet="web" if self.widget else "app",
                text=text,
                client_id=client_id,
                contact_id=self.contact_id,
                web_identity=self.identity,
                conversation_id=self.conversation_id,
                widget=self.widget,
            )
        )
        self.contact_id = turn.contact_id
        if turn.stop == "rate_limited":
            return turn.wait, None, "", None
        payload = {**message_payload(turn.message), "conversation": str(turn.message.conversation_id)}
        return 0, payload, turn.handler, turn

    async def stream_reply(self, message_id: str, turn: Turn) -> None:
        """Tokens go straight to this socket, in order; the stored reply follows them."""
        self.streaming.add(message_id)
        await self.send_json({"type": "typing", "on": True, "reply_to": message_id})
        reply = None
        try:
            async for item in reply_pieces(self.schema, turn, present=message_payload):
                if isinstance(item, ReplyFinished):
                    reply = item.reply
                elif isinstance(item, ReplyFailed):
                    await self.error("reply_failed", "Your coach could not answer just now. Please try again.")
                else:
                    await self.send_json({"type": "token", "reply_to": message_id, "text": item})
        finally:
            self.streaming.discard(message_id)
        if reply is None:
            await self.send_json({"type": "typing", "on": False, "reply_to": message_id})
        elif reply["id"] not in self.sent:
            self.sent.add(reply["id"])
            await self.send_json({"type": "message", "message": reply})

    async def on_identify(self, frame: dict[str, Any]) -> None:
        email = frame.get("email")
        if not isinstance(email, str) or len(email) > 254:
            await self.error("bad_email", "Give an email address.")
            return
        if self.links_asked >= settings.SIGN_IN_LINKS_PER_SOCKET:
            await self.error(
                "rate_limited", _("Enough links asked for from this chat. Check your inbox."), retry_after=3600
            )
            return
        self.links_asked += 1
        creator = self.scope["tenant"]
        # The email speaks the language of the page that asked (the widget sends its <html lang>).
        language = frame.get("language")
        if language not in dict(settings.LANGUAGES):
            language = getattr(creator, "language", None) or settings.LANGUAGE_CODE
        try:
            await in_schema(
                self.schema,
                services.magic_link_send,
                email=email,
                visitor_id=self.visitor_id,
                base_url=creator.public_url("").rstrip("/"),
                creator_name=creator.name,
                client_ip=self.client_ip,
                language=language,
            )
        except ValidationError:
            await self.error("bad_email", "That does not look like an email address.")
            return
        except services.TooManyLinks as exc:
            await self.error(
                "rate_limited", _("Too many sign-in links asked for. Try again later."), retry_after=exc.wait
            )
            return
        await self.send_json({"type": "identify_sent", "email": email.strip().lower()})

    async def chat_event(self, event: dict[str, Any]) -> None:
        """Something happened in this conversation elsewhere: the team, another tab, the reply."""
        message = event.get("message")
        if message:
            if message["id"] in self.sent or message.get("in_reply_to") in self.streaming:
                return
            self.sent.add(message["id"])
        payload = {k: v for k, v in event.items() if k != "type"}
        await self.send_json({"type": payload.pop("event"), **payload})

    async def join(self, conversation_id: str | None) -> None:
        if conversation_id and conversation_id != self.conversation_id:
            if self.conversation_id:
                await self.channel_layer.group_discard(
                    conversation_group(self.schema, self.conversation_id), self.channel_name
                )
            await self.channel_layer.group_add(conversation_group(self.schema, conversation_id), self.channel_name)
            self.conversation_id = conversation_id

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})


class InboxConsumer(AsyncWebsocketConsumer):
    """The hub's inbox and conversation pages listen here; members who answer conversations only."""

    async def connect(self) -> None:
        self.schema = self.scope["tenant"].schema_name
        if not same_origin(self.scope) or not await database_sync_to_async(self._allowed)():
            await self.close()
            return
        await self.channel_layer.group_add(inbox_group(self.schema), self.channel_name)
        await self.accept()

    def _allowed(self) -> bool:
        user, session = self.scope.get("user"), self.scope.get("session")
        if user is None or not user.is_authenticated or session is None:
            return False
        if session.get(SESSION_SCHEMA_KEY) != self.schema:
            return False
        membership = membership_for(user=user, creator=self.scope["tenant"])
        return membership is not None and membership.can(Capability.ANSWER_CONVERSATIONS)

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(inbox_group(self.schema), self.channel_name)

    async def inbox_changed(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "changed", "conversation": event["conversation"]}))
