"""Background jobs about creators and teams."""

from __future__ import annotations

import logging

import dramatiq
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from tenants.jobs import tenant_actor
from tenants.models import Creator, Invitation

logger = logging.getLogger(__name__)


@tenant_actor(max_retries=5, min_backoff=5_000)
def send_invitation_email(creator: Creator, invitation_id: int, token: str) -> None:
    invitation = Invitation.objects.filter(pk=invitation_id, creator=creator).select_related("invited_by").first()
    if invitation is None or not invitation.is_open():
        logger.info("invitation %s is no longer open; not sending", invitation_id)
        return
    context = {
        "creator": creator,
        "invitation": invitation,
        "accept_url": creator.public_url(f"/hub/invitations/{token}/"),
    }
    subject = render_to_string("tenants/email/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("tenants/email/invitation_message.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("tenants/email/invitation_message.html", context), "text/html")
    message.send()
    logger.info("invitation %s sent for creator %s", invitation_id, creator.slug)


@dramatiq.actor(max_retries=3)
def expire_invitations() -> int:
    """Scheduled: withdraw invitations past their expiry so the team page stays truthful."""
    now = timezone.now()
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now).update(
        revoked_at=now
    )
