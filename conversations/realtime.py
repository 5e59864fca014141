"""Channel-layer groups: every name carries the creator's schema, so no group spans two creators."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def conversation_group(schema: str, conversation_id: object) -> str:
    return f"chat.{schema}.{conversation_id}"


def inbox_group(schema: str) -> str:
    return f"inbox.{schema}"


def publish_on_commit(schema: str, conversation_id: object, event: dict[str, Any]) -> None:
    """Tell the conversation's open sockets and the creator's inbox, once the write is committed."""

    def send() -> None:
        layer = get_channel_layer()
        async_to_sync(layer.group_send)(conversation_group(schema, conversation_id), {"type": "chat.event", **event})
        async_to_sync(layer.group_send)(
            inbox_group(schema), {"type": "inbox.changed", "conversation": str(conversation_id)}
        )

    transaction.on_commit(send)
