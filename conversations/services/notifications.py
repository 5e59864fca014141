"""Telling the team: a person in crisis, someone asking for a human (and, from the proactive engine,
approvals and failed deliveries). One row per member who can answer conversations, shown in the
hub's bell; members are also emailed, and pushed to the browsers where they turned web push on.
The rows, emails and pushes name no words of the person: the link does."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from conversations.models import Contact, Conversation, MemberPushSubscription, TeamNotification
from conversations.push import subscription_checked
from tenants.models import Creator, Membership
from tenants.roles import Capability, role_can

logger = logging.getLogger(__name__)


def _creator() -> Creator:
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Creator) and tenant.schema_name == connection.schema_name:
        return tenant
    return Creator.objects.get(schema_name=connection.schema_name)


def team_notify(
    *, kind: str, contact: Contact | None = None, conversation: Conversation | None = None, path: str = ""
) -> int:
    """A notification for each member who answers conversations; emails after commit. Returns how many.
    `path` is the hub page the email and push open (by default the conversation, else the bell)."""
    creator = _creator()
    members = [
        m
        for m in Membership.objects.select_related("user").filter(creator=creator)
        if role_can(m.role, Capability.ANSWER_CONVERSATIONS)
    ]
    TeamNotification.objects.bulk_create(
        [TeamNotification(user_id=m.user_id, kind=kind, contact=contact, conversation=conversation) for m in members]
    )
    if not path:
        path = f"/hub/inbox/{conversation.pk}/" if conversation is not None else "/hub/notifications/"
    link = creator.public_url(path)
    addresses = [(m.user.email, creator.language or settings.LANGUAGE_CODE) for m in members if m.user.email]
    transaction.on_commit(lambda: _email(kind, addresses, link, creator.name))
    _push(kind, path, [m.user_id for m in members])
    return len(members)


def _push(kind: str, path: str, user_ids: list[int]) -> None:
    """One job per notified member with a browser subscribed, queued after commit."""
    from conversations.tasks import push_to_member

    subscribed = MemberPushSubscription.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    for user_id in sorted(set(subscribed)):
        push_to_member.send_on_commit(user_id, kind, path)


def _email(kind: str, addresses: list[tuple[str, str]], link: str, creator_name: str) -> None:
    for address, language in addresses:
        with translation.override(language):
            label = team_notification_label(kind)
            try:
                send_mail(
                    subject=f"{creator_name}: {label}",
                    message=_("Open it in the hub: %(link)s") % {"link": link},
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[address],
                )
            except OSError:
                logger.warning("a team notification email could not be sent")


def team_notification_label(kind: str) -> str:
    """The kind's words in the active language (the email's subject, the push's text)."""
    return dict(TEAM_NOTIFICATION_SUBJECTS()).get(kind, _("Your coaching team has a notification"))


def TEAM_NOTIFICATION_SUBJECTS() -> list[tuple[str, str]]:
    return [
        (TeamNotification.Kind.CRISIS, _("A person may be in crisis")),
        (TeamNotification.Kind.HUMAN_REQUESTED, _("A person asked to talk to someone from the team")),
        (TeamNotification.Kind.DELIVERY_FAILED, _("A message could not be delivered")),
        (TeamNotification.Kind.APPROVAL, _("A message waits for your approval")),
        (TeamNotification.Kind.RULE, _("A rule asks you to look at someone")),
    ]


def notifications_mark_read(*, user_id: int, notification_id: str | None = None) -> int:
    """One notification (or all of a member's) read; only the member's own."""
    rows = TeamNotification.objects.filter(user_id=user_id, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=timezone.now())


# --- Web push for members who turn it on ---------------------------------------------------------


def member_push_subscribe(*, user_id: int, subscription: Any) -> MemberPushSubscription:
    """A member's browser, checked as the companion app checks a client's (ValidationError says why).
    The endpoint is the browser's: subscribing it again, as whoever is signed in there now, moves it."""
    endpoint, p256dh, auth = subscription_checked(subscription)
    item, _created = MemberPushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user_id": user_id, "p256dh": p256dh, "auth": auth, "last_error": ""}
    )
    return item


def member_push_unsubscribe(*, user_id: int, endpoint: str) -> int:
    """That browser stops; only the member's own (another's endpoint changes nothing). Returns how many."""
    endpoint = str(endpoint)
    if "\x00" in endpoint or len(endpoint) > 1000:  # never stored (the database refuses NUL in text)
        return 0
    deleted, _rows = MemberPushSubscription.objects.filter(user_id=user_id, endpoint=endpoint).delete()
    return deleted
