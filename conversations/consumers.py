"""Live chat over websockets. Consumers parse frames and call services; every database call runs
inside the creator's schema, activated in the thread that makes it (never once per connection).

Frames (JSON, client → server): hello {token?, conversation?, after?}, message {text, client_id},
identify {email}, ping. Server → client: ready, history, ack, typing, token, message, handler,
identify_sent, pong, error {code, message, retry_after?}.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from redis.exceptions import RedisError

from conversations import services
from conversations.flood import FrameBucket, anonymous_chat_wait_seconds, end_user_wait_seconds, scope_client_ip
from conversations.identity import identity_from_token, visitor_token_new
from conversations.realtime import conversation_group, inbox_group
from conversations.selectors import conversation_history, widget_by_key
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
# Chat's database work runs in small pools of long-lived threads that keep their connection
# (a reconnect costs ~3 ms, and asgiref's one shared thread would queue every socket behind the
# others). Replies get their own pool: they hold a thread while the LLM streams.
DB_POOL = ThreadPoolExecutor(max_workers=settings.CHAT_DB_THREADS, thread_name_prefix="chat-db")
REPLY_POOL = ThreadPoolExecutor(max_workers=settings.CHAT_REPLY_THREADS, thread_name_prefix="chat-reply")
_DONE = object()


def _usable_connection() -> None:
    """Drop a kept connection that broke. Only after an error is it probed with a round trip."""
    raw = connection.connection
    if raw is None:
        return
    if raw.closed or raw.broken or (connection.errors_occurred and not connection.is_usable()):
        connection.close()


def _in_schema(schema: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    _usable_connection()
    with schema_context(schema):
        return fn(*args, **kwargs)


async def in_schema(schema: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    call = functools.partial(_in_schema, schema, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(DB_POOL, call)


def reply_in_thread(
    schema: str, message_id: Any, on_piece: Any, present: Any = services.message_payload, claimed: Any = None
) -> Any:
    """Answer in a REPLY_POOL thread; `present` shapes the stored reply for whoever streams it."""
    _usable_connection()
    with schema_context(schema):
        reply = services.reply_generate(message_id=message_id, on_piece=on_piece, claimed=claimed)
        return present(reply) if reply is not None else None


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
            "messages": [services.message_payload(m) for m in messages],
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
            wait, message, handler, claimed = await in_schema(self.schema, self._receive, text, client_id)
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
            task = asyncio.create_task(self.stream_reply(message["id"], claimed))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def _receive(self, text: str, client_id: str | None) -> tuple[int, Any, str, Any]:
        """One trip to the database thread: the person's rate limit, then the message stored (and, when new
        and the AI answers, claimed for the reply). Returns (wait, payload, handler, claimed message)."""
        widget_key = self.widget.key if self.widget else f"app:{self.schema}"
        wait = anonymous_chat_wait_seconds(
            client_ip=self.client_ip, widget_key=widget_key, new_visitor=self.contact_id is None
        )
        if wait:
            return wait, None, "", None
        if self.contact_id is None:  # this browser's first real message (here, or in another tab)
            self.contact_id = services.web_contact_resolve(identity=self.identity).pk
        wait = end_user_wait_seconds(self.contact_id)
        if wait:
            return wait, None, "", None
        contact, conversation = services.web_contact_and_conversation(
            contact_id=self.contact_id, conversation_id=self.conversation_id
        )
        message, created = services.message_receive(
            contact=contact,
            text=text,
            client_id=client_id,
            conversation=conversation,
            outlet="web" if self.widget else "app",
            widget=self.widget,
            claim_reply=True,
        )
        payload = {**services.message_payload(message), "conversation": str(message.conversation_id)}
        if created:
            return 0, payload, message.conversation.handler, message if message.reply_started_at else None
        return 0, payload, "answered" if message.replies.exists() else message.conversation.handler, None

    async def stream_reply(self, message_id: str, claimed: Any = None) -> None:
        """Tokens go straight to this socket, in order; the stored reply follows them."""
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[Any] = asyncio.Queue()
        self.streaming.add(message_id)

        def on_piece(piece: str) -> None:
            loop.call_soon_threadsafe(pieces.put_nowait, piece)

        future = loop.run_in_executor(
            REPLY_POOL, functools.partial(reply_in_thread, self.schema, message_id, on_piece, claimed=claimed)
        )
        future.add_done_callback(lambda _: pieces.put_nowait(_DONE))
        await self.send_json({"type": "typing", "on": True, "reply_to": message_id})
        while (piece := await pieces.get()) is not _DONE:
            await self.send_json({"type": "token", "reply_to": message_id, "text": piece})
        try:
            reply = await future
        except Exception:
            logger.exception("answering message %s failed", message_id)
            reply = None
            await self.error("reply_failed", "Your coach could not answer just now. Please try again.")
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
        try:
            await in_schema(
                self.schema,
                services.magic_link_send,
                email=email,
                visitor_id=self.visitor_id,
                base_url=creator.public_url("").rstrip("/"),
                creator_name=creator.name,
                client_ip=self.client_ip,
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
