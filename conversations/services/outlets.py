"""Connecting a creator's bots and numbers (hub → Outlets, and /api/v1/outlets).

A Telegram token is checked with getMe and the webhook registered with setWebhook before anything
is saved; removing the outlet calls deleteWebhook. Secrets are encrypted at rest
(tenants.encryption) and never shown again: a hint of their last characters at most.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import event_record
from conversations.models import ContactIdentity, MessagingOutlet, WhatsAppTemplate
from conversations.outlets.telegram import ALLOWED_UPDATES
from conversations.outlets.telegram.client import TelegramClient, TelegramError, TelegramUnavailable
from conversations.outlets.whatsapp import graph_call
from tenants.models import Creator
from tenants.selectors import user_email_verified

logger = logging.getLogger(__name__)
TELEGRAM_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,200}")
PHONE_NUMBER_ID = re.compile(r"\d{5,30}")
TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def secret_hint(secret: str) -> str:
    return f"…{secret[-4:]}" if len(secret) >= 12 else "…"


def webhook_url(*, creator: Creator, outlet: MessagingOutlet) -> str:
    return creator.public_url(f"/hooks/{outlet.kind}/{outlet.pk}")


def _require_verified(user: Any) -> None:
    if not user_email_verified(user):
        raise PermissionDenied(_("Confirm your email address before connecting a messaging outlet."))


def messaging_outlet_connect(*, creator: Creator, user: Any, kind: str, data: dict[str, Any]) -> MessagingOutlet:
    """A new bot or number, checked against its platform and ready to receive messages."""
    _require_verified(user)
    if kind == MessagingOutlet.Kind.TELEGRAM:
        outlet = _telegram_outlet(creator=creator, token=str(data.get("bot_token") or "").strip())
    elif kind == MessagingOutlet.Kind.WHATSAPP:
        outlet = _whatsapp_outlet(data)
    else:
        raise ValidationError({"kind": _("Choose telegram or whatsapp.")})
    if data.get("name"):
        outlet.name = str(data["name"]).strip()[:120] or outlet.name
    outlet.created_by_email = getattr(user, "email", "") or ""
    try:
        with transaction.atomic():
            outlet.save(force_insert=True)
            event_record(Event.Kind.OUTLET_CONNECTED, subject_id=outlet.pk, outlet=outlet.kind)
    except IntegrityError:
        if kind == MessagingOutlet.Kind.TELEGRAM:
            _telegram_forget_webhook(outlet)
        raise ValidationError({"kind": _("This bot or number is already connected.")}) from None
    return outlet


def _telegram_outlet(*, creator: Creator, token: str) -> MessagingOutlet:
    if not TELEGRAM_TOKEN.fullmatch(token):
        raise ValidationError({"bot_token": _("A Telegram bot token looks like 123456789:AAE…; BotFather gives it.")})
    client = TelegramClient(token)
    try:
        bot = client.call("getMe")
    except TelegramError as exc:
        raise ValidationError(
            {"bot_token": _("Telegram did not accept this token (%(why)s).") % {"why": exc.description}}
        ) from None
    except TelegramUnavailable:
        raise ValidationError(
            {"bot_token": _("Telegram could not be reached; nothing was saved. Try again.")}
        ) from None
    if not isinstance(bot, dict) or not bot.get("id"):
        raise ValidationError({"bot_token": _("Telegram answered without a bot.")})
    if MessagingOutlet.objects.filter(kind=MessagingOutlet.Kind.TELEGRAM, external_id=str(bot["id"])).exists():
        raise ValidationError({"bot_token": _("This bot is already connected.")})
    outlet = MessagingOutlet(
        id=uuid.uuid4(),
        kind=MessagingOutlet.Kind.TELEGRAM,
        name=f"@{bot.get('username') or bot['id']}",
        credential=token,
        credential_hint=secret_hint(token),
        webhook_secret=secrets.token_urlsafe(32),  # A-Z a-z 0-9 _ -: what setWebhook accepts
        external_id=str(bot["id"]),
    )
    try:
        client.call(
            "setWebhook",
            url=webhook_url(creator=creator, outlet=outlet),
            secret_token=outlet.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    except TelegramError as exc:
        raise ValidationError(
            {"bot_token": _("Telegram refused the webhook (%(why)s); nothing was saved.") % {"why": exc.description}}
        ) from None
    except TelegramUnavailable:
        raise ValidationError(
            {"bot_token": _("Telegram could not be reached; nothing was saved. Try again.")}
        ) from None
    return outlet


def _whatsapp_outlet(data: dict[str, Any]) -> MessagingOutlet:
    values = {
        key: str(data.get(key) or "").strip()
        for key in ("phone_number_id", "access_token", "app_secret", "verify_token")
    }
    errors: dict[str, str] = {}
    if not PHONE_NUMBER_ID.fullmatch(values["phone_number_id"]):
        errors["phone_number_id"] = _("The phone number ID is the long number under API Setup in Meta's dashboard.")
    if len(values["access_token"]) < 20:
        errors["access_token"] = _("Paste the permanent access token of your Meta app's system user.")
    if len(values["app_secret"]) < 16:
        errors["app_secret"] = _("Paste the App Secret (App settings → Basic in Meta's dashboard).")
    if not 8 <= len(values["verify_token"]) <= 200:
        errors["verify_token"] = _(
            "Choose a verify token of 8 to 200 characters; you will paste it into Meta's dashboard."
        )
    if errors:
        raise ValidationError(errors)
    if MessagingOutlet.objects.filter(
        kind=MessagingOutlet.Kind.WHATSAPP, external_id=values["phone_number_id"]
    ).exists():
        raise ValidationError({"phone_number_id": _("This number is already connected.")})
    return MessagingOutlet(
        id=uuid.uuid4(),
        kind=MessagingOutlet.Kind.WHATSAPP,
        name=str(data.get("display_phone_number") or values["phone_number_id"])[:120],
        credential=values["access_token"],
        credential_hint=secret_hint(values["access_token"]),
        app_secret=values["app_secret"],
        verify_token=values["verify_token"],
        external_id=values["phone_number_id"],
    )


def messaging_outlet_update(*, outlet: MessagingOutlet, user: Any, data: dict[str, Any]) -> MessagingOutlet:
    """Rename, or replace secrets (a rotated token); a new Telegram token is checked like a new bot."""
    _require_verified(user)
    fields = ["name"]
    if data.get("name") is not None:
        name = str(data["name"]).strip()[:120]
        if not name:
            raise ValidationError({"name": _("Give the outlet a name.")})
        outlet.name = name
    if outlet.kind == MessagingOutlet.Kind.TELEGRAM and data.get("bot_token"):
        token = str(data["bot_token"]).strip()
        if not TELEGRAM_TOKEN.fullmatch(token):
            raise ValidationError(
                {"bot_token": _("A Telegram bot token looks like 123456789:AAE…; BotFather gives it.")}
            )
        try:
            bot = TelegramClient(token).call("getMe")
        except (TelegramError, TelegramUnavailable):
            raise ValidationError({"bot_token": _("Telegram did not accept this token.")}) from None
        if str((bot or {}).get("id")) != outlet.external_id:
            raise ValidationError({"bot_token": _("This token belongs to another bot; connect it as a new outlet.")})
        outlet.credential, outlet.credential_hint = token, secret_hint(token)
        fields += ["credential", "credential_hint"]
    if outlet.kind == MessagingOutlet.Kind.WHATSAPP:
        for key, minimum in (("access_token", 20), ("app_secret", 16), ("verify_token", 8)):
            if data.get(key):
                value = str(data[key]).strip()
                if len(value) < minimum:
                    raise ValidationError({key: _("That is too short to be right.")})
                setattr(outlet, "credential" if key == "access_token" else key, value)
                fields.append("credential" if key == "access_token" else key)
                if key == "access_token":
                    outlet.credential_hint = secret_hint(value)
                    fields.append("credential_hint")
    outlet.status, outlet.last_error = MessagingOutlet.Status.ACTIVE, ""
    outlet.save(update_fields=[*set(fields), "status", "last_error"])
    return outlet


def _telegram_forget_webhook(outlet: MessagingOutlet) -> None:
    try:
        TelegramClient(outlet.credential).call("deleteWebhook")
    except (TelegramError, TelegramUnavailable) as exc:
        logger.warning("deleteWebhook failed for outlet %s: %s", outlet.pk, exc)


def messaging_outlet_delete(*, outlet: MessagingOutlet, user: Any) -> None:
    """Disconnect: Telegram stops posting here; conversations and their messages stay."""
    if outlet.kind == MessagingOutlet.Kind.TELEGRAM:
        _telegram_forget_webhook(outlet)
    with transaction.atomic():
        event_record(Event.Kind.OUTLET_REMOVED, subject_id=outlet.pk, outlet=outlet.kind)
        outlet.delete()


def messaging_outlet_test_send(*, outlet: MessagingOutlet, address: str) -> str:
    """Send a test message straight through the platform to `address` (a chat id or number that has
    written to this outlet); returns what happened, in words, and keeps it as the outlet's health."""
    identity = ContactIdentity.objects.filter(messaging_outlet=outlet, address=address.strip()).first()
    if identity is None:
        raise ValidationError(
            {"address": _("Write to the bot or number from your phone first, then pick your chat here.")}
        )
    text = _("Test message from Compañero: this outlet works.")
    now = timezone.now()
    try:
        if outlet.kind == MessagingOutlet.Kind.TELEGRAM:
            TelegramClient(outlet.credential).call("sendMessage", chat_id=identity.address, text=text)
        else:
            from conversations.outlets.whatsapp import recipient_fields

            graph_call(
                outlet,
                "POST",
                f"{outlet.external_id}/messages",
                {"type": "text", "text": {"body": text}, **recipient_fields(identity.address)},
            )
    except (TelegramError, TelegramUnavailable) as exc:
        MessagingOutlet.objects.filter(pk=outlet.pk).update(last_error=str(exc)[:300], last_error_at=now)
        return _("Telegram refused it: %(why)s") % {"why": exc}
    except Exception as exc:  # SendLater / SendRefused from the Graph API
        reason = getattr(exc, "reason", type(exc).__name__)
        MessagingOutlet.objects.filter(pk=outlet.pk).update(last_error=str(reason)[:300], last_error_at=now)
        return _("WhatsApp refused it: %(why)s") % {"why": reason}
    MessagingOutlet.objects.filter(pk=outlet.pk).update(last_delivery_at=now, status=MessagingOutlet.Status.ACTIVE)
    return _("Sent. Check your phone.")


def whatsapp_template_add(
    *, outlet: MessagingOutlet, name: str, language: str, variables: list[str]
) -> WhatsAppTemplate:
    name, language = name.strip(), language.strip()
    if outlet.kind != MessagingOutlet.Kind.WHATSAPP:
        raise ValidationError({"name": _("Templates are for WhatsApp numbers.")})
    if not TEMPLATE_NAME.fullmatch(name):
        raise ValidationError({"name": _("Use the template's name exactly as in WhatsApp Manager (a-z, 0-9, _).")})
    if not LANGUAGE_CODE.fullmatch(language):
        raise ValidationError({"language": _("Use a language code such as es, en or es_MX.")})
    variables = [str(v).strip()[:40] for v in variables if str(v).strip()][:20]
    try:
        with transaction.atomic():
            return WhatsAppTemplate.objects.create(outlet=outlet, name=name, language=language, variables=variables)
    except IntegrityError:
        raise ValidationError({"name": _("This template is already registered in this language.")}) from None


def whatsapp_template_remove(*, template: WhatsAppTemplate) -> None:
    """The template is no longer offered to callers (messages already sent with it keep their record)."""
    template.delete()
