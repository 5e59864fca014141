"""Delivery for the outlets a browser or an API caller holds open: the message is stored, then
published to the conversation's open sockets and the creator's inbox; a message the person did
not just ask for (a team member's, a check-in) also goes out as web push to their browsers."""

from __future__ import annotations

from conversations.models import Delivery, Message, PushSubscription
from conversations.outlets.base import DeliveryResult, Outlet
from conversations.payloads import message_payload
from conversations.realtime import publish
from tenants.scope import creator_schema


class BrowserOutlet(Outlet):
    def deliver(self, delivery: Delivery, message: Message) -> DeliveryResult:
        schema = creator_schema()
        publish(schema, message.conversation_id, {"event": "message", "message": message_payload(message)})
        if message.in_reply_to_id is None and message.author != Message.Author.USER:
            contact_id = message.conversation.contact_id
            if PushSubscription.objects.filter(contact_id=contact_id).exists():
                from conversations.tasks import push_to_contact

                title = f"{message.author_name}: " if message.author_name else ""
                push_to_contact.send_on_commit(str(contact_id), f"{title}{message.text}"[:300])
        return DeliveryResult(Delivery.Status.SENT)
