"""Channel-layer groups: every name carries the creator's schema, so no group spans two creators.

Events are published from one background event loop per process, in the order they were
committed, without making the caller (a request, a reply thread, the socket's database thread)
wait for Redis. The loop keeps its Redis connections instead of opening new ones per event.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

from tenants.scope import creator_schema_checked

logger = logging.getLogger(__name__)


def conversation_group(schema: str, conversation_id: object) -> str:
    """A conversation's sockets; OutsideCreatorScope for `public` or the template schema."""
    return f"chat.{creator_schema_checked(schema)}.{conversation_id}"


def inbox_group(schema: str) -> str:
    """A creator's open inboxes; OutsideCreatorScope for `public` or the template schema."""
    return f"inbox.{creator_schema_checked(schema)}"


class _Publisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None

    def _start(self) -> None:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._queue = asyncio.Queue()
            self._loop = loop
            ready.set()
            loop.run_until_complete(self._drain())

        threading.Thread(target=run, name="compa-publisher", daemon=True).start()
        ready.wait()

    async def _drain(self) -> None:
        assert self._queue is not None
        while True:
            group, event = await self._queue.get()
            try:
                await get_channel_layer().group_send(group, event)
            except Exception:  # Redis away: the message is stored; clients resync on reconnect
                logger.warning("could not publish to %s", group, exc_info=True)
            finally:
                self._queue.task_done()

    def publish(self, group: str, event: dict[str, Any]) -> None:
        with self._lock:
            if self._loop is None:
                self._start()
        assert self._loop is not None and self._queue is not None
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (group, event))


publisher = _Publisher()


def publish(schema: str, conversation_id: object, event: dict[str, Any]) -> None:
    """Tell the conversation's open sockets and the creator's inbox (after the write committed)."""
    publisher.publish(conversation_group(schema, conversation_id), {"type": "chat.event", **event})
    publisher.publish(inbox_group(schema), {"type": "inbox.changed", "conversation": str(conversation_id)})


def publish_on_commit(schema: str, conversation_id: object, event: dict[str, Any]) -> None:
    """publish(), once the write is committed; the schema is checked now, in the caller, not at commit."""
    schema = creator_schema_checked(schema)
    transaction.on_commit(lambda: publish(schema, conversation_id, event))
