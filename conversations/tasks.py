"""Background jobs of conversations."""

from __future__ import annotations

from conversations.models import PushSubscription
from conversations.push import push_send
from tenants.jobs import tenant_actor
from tenants.models import Creator


@tenant_actor(max_retries=3, min_backoff=10_000)
def push_to_contact(creator: Creator, contact_id: str, text: str) -> None:
    """Every browser the person allowed gets the message; the app opens on the conversation."""
    for subscription in PushSubscription.objects.filter(contact_id=contact_id):
        push_send(subscription, {"title": creator.name, "body": text, "url": "/app/"})
