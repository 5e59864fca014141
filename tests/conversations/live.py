"""Helpers for live-chat tests: a websocket on a creator's host, a widget, a small library."""

from __future__ import annotations

import json
import uuid
from typing import Any

from channels.testing import WebsocketCommunicator
from django.test import Client
from django_tenants.utils import tenant_context

from tests.factories import bearer, host
from tests.knowledge.samples import pdf_bytes, upload

GUIDE = pdf_bytes(
    [
        ["Sleep basics", "Adults need seven to nine hours of sleep every night.", "Keep the same bedtime on weekends."],
        ["Protein", "Protein: eat about 1.6 grams per kilogram of body weight daily."],
    ]
)


def widget_for(creator, origins: list[str] | None = None):
    from conversations.services import widget_ensure

    with tenant_context(creator):
        widget = widget_ensure()
        widget.allowed_origins = origins if origins is not None else ["http://coach-site.example"]
        widget.save()
    return widget


def library_for(team, run_jobs) -> None:
    """The guide, freshly ingested: tenant tables outlive transactional tests, vectors do not."""
    from knowledge.models import Document

    with tenant_context(team.creator):
        Document.objects.all().delete()
    with run_jobs():
        response = Client(**host(team.creator)).post(
            "/api/v1/documents",
            {"file": upload("guide.pdf", GUIDE), "title": "Coaching guide"},
            **bearer(team.owner, team.creator),
        )
    assert response.status_code in (200, 201, 202), response.content


def client_id() -> str:
    return uuid.uuid4().hex


class Socket:
    """A browser's websocket to the chat, speaking the JSON frames."""

    def __init__(self, creator, path: str, origin: str | None = None) -> None:
        headers = [(b"host", f"{creator.hostname}:8000".encode())]
        if origin:
            headers.append((b"origin", origin.encode()))
        from config.asgi import application

        self.communicator = WebsocketCommunicator(application, path, headers=headers)

    async def open(self) -> bool:
        connected, _ = await self.communicator.connect(timeout=5)
        return connected

    async def send(self, frame: Any) -> None:
        await self.communicator.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        output = await self.communicator.receive_output(timeout)
        if output["type"] == "websocket.close":
            return {"type": "closed", "code": output.get("code"), "reason": output.get("reason", "")}
        return json.loads(output["text"])

    async def receive_until(self, kind: str, timeout: float = 20) -> list[dict[str, Any]]:
        """Every frame up to and including the first of `kind`."""
        frames = []
        while True:
            frame = await self.receive(timeout)
            frames.append(frame)
            if frame["type"] in (kind, "closed"):
                return frames

    async def hello(self, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        await self.send({"type": "hello", **fields})
        ready = await self.receive()
        assert ready["type"] == "ready", ready
        history = await self.receive()
        assert history["type"] == "history", history
        return ready, history

    async def nothing_more(self, timeout: float = 0.5) -> bool:
        return await self.communicator.receive_nothing(timeout)

    async def close(self) -> None:
        await self.communicator.disconnect()
