"""How a stored message looks to a browser (socket frames, channel-layer events, the app's JSON)."""

from __future__ import annotations

from typing import Any

from conversations.models import Message


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "author": message.author,
        "author_name": message.author_name,
        "text": message.text,
        "citations": message.citations,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
        "in_reply_to": str(message.in_reply_to_id) if message.in_reply_to_id else None,
        "incomplete": message.incomplete,
    }
