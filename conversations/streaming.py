"""The one reply path for outlets that stream: the turn's answer stages run in a reply thread and
their pieces come out here as an async iterator, for the socket and the SSE endpoint alike.

Chat's database work runs in small pools of long-lived threads that keep their connection (a
reconnect costs ~3 ms, and asgiref's one shared thread would queue every socket behind the others).
Replies get their own pool: they hold a thread while the LLM streams.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from conversations.models import Message
from conversations.services.turns import Turn, turn_answer
from tenants.scope import creator_schema_checked

logger = logging.getLogger(__name__)
DB_POOL = ThreadPoolExecutor(max_workers=settings.CHAT_DB_THREADS, thread_name_prefix="chat-db")
REPLY_POOL = ThreadPoolExecutor(max_workers=settings.CHAT_REPLY_THREADS, thread_name_prefix="chat-reply")
_DONE = object()


@dataclass(frozen=True)
class ReplyFinished:
    """The stored reply, shaped by the caller's `present`; None when nobody (or a person) answers."""

    reply: Any


@dataclass(frozen=True)
class ReplyFailed:
    """Answering raised: what was stored stays stored; the person is told to try again."""


def usable_connection() -> None:
    """Drop a kept connection that broke. Only after an error is it probed with a round trip."""
    raw = connection.connection
    if raw is None:
        return
    if raw.closed or raw.broken or (connection.errors_occurred and not connection.is_usable()):
        connection.close()


def _in_schema(schema: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    usable_connection()
    with schema_context(creator_schema_checked(schema)):
        return fn(*args, **kwargs)


async def in_schema(schema: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run `fn` in a database thread, inside the creator's schema."""
    call = functools.partial(_in_schema, schema, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(DB_POOL, call)


def _answer_in_thread(
    schema: str, turn: Turn, on_piece: Callable[[str], None], present: Callable[[Message], Any]
) -> Any:
    usable_connection()
    with schema_context(creator_schema_checked(schema)):
        reply = turn_answer(turn, on_piece)
        return present(reply) if reply is not None else None


async def reply_pieces(
    schema: str, turn: Turn, present: Callable[[Message], Any]
) -> AsyncIterator[str | ReplyFinished | ReplyFailed]:
    """The reply's pieces as the coach writes them, then ReplyFinished (or ReplyFailed)."""
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue[Any] = asyncio.Queue()

    def on_piece(piece: str) -> None:
        loop.call_soon_threadsafe(pieces.put_nowait, piece)

    future = loop.run_in_executor(REPLY_POOL, _answer_in_thread, schema, turn, on_piece, present)
    future.add_done_callback(lambda _: loop.call_soon_threadsafe(pieces.put_nowait, _DONE))
    while (piece := await pieces.get()) is not _DONE:
        yield piece
    try:
        reply = await future
    except Exception:
        logger.exception("answering message %s failed", turn.message.pk if turn.message else "?")
        yield ReplyFailed()
        return
    yield ReplyFinished(reply)


def reply_pieces_sync(
    schema: str, turn: Turn, present: Callable[[Message], Any]
) -> Iterator[str | ReplyFinished | ReplyFailed]:
    """reply_pieces for a server that runs Django synchronously (WSGI): the same reply thread,
    read through a blocking queue, so the response still streams as the coach writes."""
    pieces: queue.SimpleQueue[Any] = queue.SimpleQueue()
    future = REPLY_POOL.submit(_answer_in_thread, schema, turn, pieces.put, present)
    future.add_done_callback(lambda _: pieces.put(_DONE))
    while (piece := pieces.get()) is not _DONE:
        yield piece
    try:
        reply = future.result()
    except Exception:
        logger.exception("answering message %s failed", turn.message.pk if turn.message else "?")
        yield ReplyFailed()
        return
    yield ReplyFinished(reply)
