"""Websockets get no creator from django-tenants: resolve it from the Host header here.

Unknown hosts close with 4404 and suspended creators with 4403, before any consumer runs.
Consumers must still activate the creator's schema inside every database call they make.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.db import connection

from tenants.models import Creator, Domain

CLOSE_UNKNOWN_HOST = 4404
CLOSE_SUSPENDED = 4403


def hostname_from_scope(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").split(":")[0].lower()
    return ""


def _creator_for_hostname(hostname: str) -> Creator | None:
    connection.set_schema_to_public()
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    return domain.tenant if domain is not None else None


# Not thread-sensitive: each new socket looks its host up in any free thread, instead of queueing
# behind every other socket of the process on asgiref's one shared thread.
creator_for_hostname = database_sync_to_async(_creator_for_hostname, thread_sensitive=False)


class CreatorWebsocketMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        creator = await creator_for_hostname(hostname_from_scope(scope))
        if creator is None or creator.kind != Creator.Kind.CREATOR:
            return await self._refuse(receive, send, CLOSE_UNKNOWN_HOST, "No coaching space lives at this address.")
        if creator.is_suspended:
            return await self._refuse(receive, send, CLOSE_SUSPENDED, "This coaching space is suspended.")
        return await self.inner({**scope, "tenant": creator}, receive, send)

    async def _refuse(self, receive: Any, send: Any, code: int, reason: str) -> None:
        message = await receive()
        if message["type"] == "websocket.connect":
            # Accept first so the browser receives the close code and reason, not a bare 403.
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": code, "reason": reason})
