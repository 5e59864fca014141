"""Email: outbound only, the router's last resort for a message the coach starts. Sent through
Django's email backend (console or file in development, SMTP in production) from a job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage

from conversations.outlets.base import Capabilities, SendLater, SendRefused
from conversations.outlets.remote import RemoteOutlet
from conversations.selectors import persona_get

if TYPE_CHECKING:
    from conversations.models import ContactIdentity, Delivery, Message, MessagingOutlet


class EmailOutlet(RemoteOutlet):
    name = "email"
    capabilities = Capabilities(reaches_proactively=True, one_thread_per_person=True)

    def carry_refusal(self, *, identity: ContactIdentity | None, template: dict | None) -> str:
        return "" if identity is not None else "no email address for this person"

    def send(
        self,
        *,
        delivery: Delivery,
        message: Message,
        identity: ContactIdentity | None,
        messaging_outlet: MessagingOutlet | None,
        part_from: int = 0,
    ) -> list[str]:
        if identity is None:
            raise SendRefused("no email address for this person", unreachable=True)
        coach = message.author_name or persona_get().coach_name
        email = EmailMessage(
            subject=f"{coach}: {message.text[:60]}",
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[identity.address],
            headers={"Auto-Submitted": "auto-generated"},
        )
        try:
            email.send(fail_silently=False)
        except OSError as exc:  # SMTP down or refusing: try again later
            raise SendLater(f"the mail server did not take it ({type(exc).__name__})") from None
        return [f"email:{delivery.pk}"]


outlet = EmailOutlet()
