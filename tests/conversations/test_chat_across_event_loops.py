"""Each test runs in its own event loop; a chat must not inherit the state of a loop that died.

The first test ends the way a slow test run can: its loop closes while a socket's channel-layer
receive holds a lock that another receive waits on. The second test chats as usual.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from tests.conversations.live import Socket, widget_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_loop_closes_while_a_receive_holds_the_channel_layer_lock():
    layer = get_channel_layer()
    key = layer.prefix + layer.non_local_name(await layer.new_channel())
    await layer.receive_clean_locks.acquire(key)
    waiting = asyncio.ensure_future(layer.receive_clean_locks.acquire(key))
    await asyncio.sleep(0)
    assert layer.receive_clean_locks.locked(key) and not waiting.done()


async def test_the_next_test_still_chats(alpha):
    widget = await database_sync_to_async(widget_for)(alpha.creator)
    socket = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin="http://coach-site.example")
    assert await socket.open()
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}
    ready, history = await socket.hello()
    assert ready["token"] and history["messages"] == []
    await socket.close()
