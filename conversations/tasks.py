"""Background jobs of conversations."""

from __future__ import annotations

import dramatiq

from conversations.models import MemberPushSubscription, PushSubscription
from conversations.push import push_send
from tenants.jobs import tenant_actor
from tenants.models import Creator


@tenant_actor(max_retries=3, min_backoff=10_000, queue_name="outbound", priority=10)
def push_to_contact(creator: Creator, contact_id: str, text: str) -> None:
    """Every browser the person allowed gets the message; the app opens on the conversation."""
    for subscription in PushSubscription.objects.filter(contact_id=contact_id):
        push_send(subscription, {"title": creator.name, "body": text, "url": "/app/"})


@tenant_actor(max_retries=3, min_backoff=10_000, queue_name="outbound", priority=10)
def push_to_member(creator: Creator, user_id: int, kind: str, path: str) -> None:
    """A team notification to every browser the member turned push on in: the kind's label in the
    creator's language and the hub page to open, never a person's words."""
    from django.conf import settings
    from django.utils import translation

    from conversations.services.notifications import team_notification_label

    with translation.override(creator.language or settings.LANGUAGE_CODE):
        payload = {"title": creator.name, "body": team_notification_label(kind), "url": path, "kind": kind}
    for subscription in MemberPushSubscription.objects.filter(user_id=user_id):
        push_send(subscription, payload)


@tenant_actor(max_retries=3, min_backoff=5_000, queue_name="replies", priority=0)
def raw_delivery_process(creator: Creator, raw_delivery_id: str) -> None:
    """A webhook body the platform handed us: parsed, and each message answered through the turn core."""
    from conversations.services.inbound import raw_delivery_process_now

    raw_delivery_process_now(raw_delivery_id=raw_delivery_id)


@tenant_actor(max_retries=0, queue_name="outbound", priority=10)
def delivery_send(creator: Creator, delivery_id: str) -> None:
    """One queued message to its platform; retries are scheduled by the service itself (honouring
    Retry-After), so Dramatiq's own retries are off."""
    from conversations.services.outbound import delivery_send_now

    delivery_send_now(delivery_id=delivery_id)


@tenant_actor(max_retries=1)
def raw_deliveries_purge(creator: Creator) -> None:
    from conversations.services.inbound import raw_deliveries_purge as purge

    purge()


@dramatiq.actor(max_retries=1)
def raw_deliveries_purge_all() -> None:
    """The scheduler's daily sweep: one purge job per creator (each in its own schema)."""
    for schema_name in Creator.objects.filter(kind=Creator.Kind.CREATOR).values_list("schema_name", flat=True):
        raw_deliveries_purge.send(schema_name)
