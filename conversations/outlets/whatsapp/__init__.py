"""WhatsApp: a creator's number on the Cloud API (their own Meta app). Webhooks arrive signed with the
app secret at the outlet's own URL; replies leave through the Graph API from a job.

Payloads are routed by `metadata.phone_number_id` (`whatsapp_outlet_for`), so a hosted platform with
one Meta app posting every number to one webhook can be added beside the per-outlet URL without
touching the turn core. Business-scoped user ids (`user_id`) are identities of their own, sent to
with `recipient`; they never go through a phone-number rule.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from conversations.outlets.base import (
    Capabilities,
    Inbound,
    MediaRef,
    PartialSend,
    SendLater,
    SendRefused,
    text_parts,
)
from conversations.outlets.remote import RemoteOutlet, platform_http

if TYPE_CHECKING:
    from conversations.models import ContactIdentity, Delivery, Message, MessagingOutlet

logger = logging.getLogger(__name__)
MAX_TEXT_CHARS = 4096
WINDOW = timedelta(hours=24)
MAX_MEDIA_BYTES = {"audio": 16 * 1024 * 1024, "image": 5 * 1024 * 1024}
RATE_CODES = {130429, 131056, 131048, 80007, 4, 613}
TRANSIENT_CODES = {1, 2, 131000, 131016}
# Codes Meta uses when a free-form message cannot go because the 24-hour window is closed.
WINDOW_CODES = {131047}
READABLE = {
    131047: "More than 24 hours since the person last wrote: only an approved template may go (131047)",
    131026: "The number cannot receive this message (not on WhatsApp, or an old app) (131026)",
    131049: "Meta chose not to deliver it, to keep engagement healthy (131049)",
    131050: "The person stopped marketing messages from this business (131050)",
    130429: "Too many messages from this number at once (130429)",
    131056: "Too many messages to this person at once (131056)",
    131048: "Sending was limited because earlier messages were reported as spam (131048)",
    132001: "The template does not exist in this language (132001)",
    190: "The access token no longer works (190)",
}


class WhatsAppOutlet(RemoteOutlet):
    name = "whatsapp"
    capabilities = Capabilities(
        typing_indicator=True,
        media=True,
        delivery_receipts=True,
        reply_window=WINDOW,
        reaches_proactively=True,
        one_thread_per_person=True,
        max_text_chars=MAX_TEXT_CHARS,
    )

    def window_open(self, identity: ContactIdentity | None) -> bool:
        last = identity.last_inbound_at if identity is not None else None
        if last is None or timezone.now() - last >= WINDOW:
            return False
        return identity.window_closed_at is None or identity.window_closed_at < last

    def carry_refusal(self, *, identity: ContactIdentity | None, template: dict | None) -> str:
        if identity is None:
            return "no WhatsApp number or id for this person"
        if not self.window_open(identity) and not template:
            return "WhatsApp's 24-hour window is closed and no template was given"
        return ""

    def send(
        self,
        *,
        delivery: Delivery,
        message: Message,
        identity: ContactIdentity | None,
        messaging_outlet: MessagingOutlet | None,
        part_from: int = 0,
    ) -> list[str]:
        if identity is None or messaging_outlet is None:
            raise SendRefused("no WhatsApp number or id for this person", unreachable=True)
        to = recipient_fields(identity.address)
        if not self.window_open(identity):
            if not delivery.template:
                raise SendRefused(READABLE[131047], code="131047", window_closed=True)
            body = {"type": "template", "template": template_body(delivery.template), **to}
            return [self._post(messaging_outlet, body)]
        sent: list[str] = []
        for part in text_parts(message.text, MAX_TEXT_CHARS)[part_from:]:
            try:
                sent.append(self._post(messaging_outlet, {"type": "text", "text": {"body": part}, **to}))
            except (SendLater, SendRefused) as exc:
                raise PartialSend(sent, exc) from None
        return sent

    def _post(self, messaging_outlet: MessagingOutlet, body: dict[str, Any]) -> str:
        answer = graph_call(messaging_outlet, "POST", f"{messaging_outlet.external_id}/messages", body)
        messages = answer.get("messages") if isinstance(answer, dict) else None
        if not messages or not isinstance(messages[0], dict) or not messages[0].get("id"):
            raise SendLater("WhatsApp answered without a message id")
        return str(messages[0]["id"])

    def parse(self, body: bytes, messaging_outlet: MessagingOutlet) -> list[Inbound]:
        return inbound_from_payload(json.loads(body), messaging_outlet.external_id)

    def show_typing(self, messaging_outlet: MessagingOutlet, inbound: Inbound) -> None:
        wamid = inbound.extra.get("wamid")
        if not wamid:
            return
        body = {"status": "read", "message_id": wamid, "typing_indicator": {"type": "text"}}
        try:
            graph_call(messaging_outlet, "POST", f"{messaging_outlet.external_id}/messages", body)
        except (SendLater, SendRefused) as exc:
            logger.info("read receipt not sent: %s", exc.reason)

    def fetch_media(self, messaging_outlet: MessagingOutlet, media: MediaRef) -> tuple[bytes, str]:
        limit = MAX_MEDIA_BYTES.get(media.kind, 5 * 1024 * 1024)
        try:
            found = graph_call(messaging_outlet, "GET", media.platform_id, None)
        except (SendLater, SendRefused) as exc:
            raise ValueError(f"WhatsApp did not give the file ({exc.reason})") from None
        url = found.get("url") if isinstance(found, dict) else None
        if not isinstance(url, str) or not media_host_trusted(url):
            # The access token goes with the download: never to a host that is not Meta's.
            raise ValueError("WhatsApp gave no usable file address")
        if int(found.get("file_size") or 0) > limit:
            raise ValueError("the file is larger than WhatsApp allows for this kind")
        headers = {"Authorization": f"Bearer {messaging_outlet.credential}"}
        try:
            with platform_http().stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    raise ValueError(f"the file could not be downloaded (HTTP {response.status_code})")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise ValueError("the file is larger than WhatsApp allows for this kind")
        except httpx.HTTPError as exc:
            raise ValueError(f"the file could not be downloaded ({type(exc).__name__})") from None
        return bytes(data), str(found.get("mime_type") or media.content_type)


def media_host_trusted(url: str) -> bool:
    """Media URLs come from the Graph API (lookaside.fbsbx.com today) or the API's own host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    api_host = (urlsplit(settings.WHATSAPP_API_URL).hostname or "").lower()
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and host != api_host):
        return False
    return host == api_host or any(host == h or host.endswith(f".{h}") for h in settings.WHATSAPP_MEDIA_HOSTS)


def recipient_fields(address: str) -> dict[str, str]:
    """A phone-number id goes in `to`; a business-scoped user id (it holds a dot) in `recipient`."""
    if "." in address:
        return {"messaging_product": "whatsapp", "recipient_type": "individual", "recipient": address}
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": address}


def template_body(template: dict[str, Any]) -> dict[str, Any]:
    values = [str(v) for v in template.get("values") or []]
    body: dict[str, Any] = {"name": template["name"], "language": {"code": template.get("language") or "es"}}
    if values:
        body["components"] = [{"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}]
    return body


def graph_call(messaging_outlet: MessagingOutlet, method: str, path: str, body: dict | None) -> Any:
    url = f"{settings.WHATSAPP_API_URL}/{settings.WHATSAPP_API_VERSION}/{path}"
    headers = {"Authorization": f"Bearer {messaging_outlet.credential}"}
    if body is not None:
        body = {"messaging_product": "whatsapp", **body}
    try:
        response = platform_http().request(method, url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise SendLater(f"WhatsApp did not answer ({type(exc).__name__})") from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code < 300 and isinstance(answer, dict):
        return answer
    error = answer.get("error") if isinstance(answer, dict) and isinstance(answer.get("error"), dict) else {}
    raise refusal_for(response, error)


def refusal_for(response: httpx.Response, error: dict[str, Any]) -> SendLater | SendRefused:
    code = error.get("code") if isinstance(error.get("code"), int) else 0
    message = str(error.get("message") or "")[:150]
    readable = READABLE.get(code) or f"WhatsApp refused the message: {message or response.status_code} ({code})"
    retry_after = response.headers.get("Retry-After")
    wait = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
    if response.status_code == 429 or code in RATE_CODES:
        return SendLater(readable, retry_after=wait)
    if response.status_code >= 500 or code in TRANSIENT_CODES:
        return SendLater(f"WhatsApp failed on its side ({response.status_code}, {code})", retry_after=wait)
    if code in WINDOW_CODES:
        return SendRefused(readable, code=str(code), window_closed=True)
    if code == 190 or response.status_code == 401:
        return SendRefused(READABLE[190], code=str(code), outlet_broken=True)
    return SendRefused(readable, code=str(code), unreachable=code == 131026)


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _message_inbound(message: dict[str, Any], contacts: dict[str, dict]) -> Inbound | None:
    phone = message.get("from") if isinstance(message.get("from"), str) else ""
    user_id = message.get("from_user_id") if isinstance(message.get("from_user_id"), str) else ""
    contact = contacts.get(phone) or contacts.get(user_id) or {}
    user_id = user_id or (contact.get("user_id") if isinstance(contact.get("user_id"), str) else "")
    address = phone or user_id
    wamid = message.get("id")
    if not address or not isinstance(wamid, str) or not wamid:
        raise ValueError("a message without a sender or an id")
    kind = message.get("type")
    text, media = "", None
    content = message.get(kind) if isinstance(kind, str) and isinstance(message.get(kind), dict) else {}
    if kind == "text":
        text = content.get("body") if isinstance(content.get("body"), str) else ""
    elif kind in ("audio", "voice"):
        media = MediaRef("audio", str(content.get("id") or ""), str(content.get("mime_type") or "audio/ogg"))
    elif kind == "image":
        media = MediaRef("image", str(content.get("id") or ""), str(content.get("mime_type") or "image/jpeg"))
        text = content.get("caption") if isinstance(content.get("caption"), str) else ""
    elif kind == "button":
        text = content.get("text") if isinstance(content.get("text"), str) else ""
    elif kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply") or {}
        text = reply.get("title") if isinstance(reply, dict) and isinstance(reply.get("title"), str) else ""
    if media is not None and not media.platform_id:
        raise ValueError("a media message without a media id")
    if not text and media is None:
        logger.info("WhatsApp message of type %r not read by the coach (stickers, locations...)", kind)
        return None
    profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
    return Inbound(
        kind="message",
        address=address,
        other_addresses=(user_id,) if phone and user_id else (),
        name=str(profile.get("name") or "")[:120],
        language=language_for_number(phone),
        text=text,
        platform_message_id=wamid,
        media=media,
        sent_at=_when(message.get("timestamp")),
        extra={"wamid": wamid},
    )


def _status_inbound(status: dict[str, Any]) -> Inbound:
    wamid = status.get("id")
    state = status.get("status")
    if not isinstance(wamid, str) or state not in ("sent", "delivered", "read", "failed"):
        raise ValueError("a status without a message id or a known state")
    errors = status.get("errors") if isinstance(status.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = first.get("code") if isinstance(first.get("code"), int) else None
    title = READABLE.get(code or 0) or str(first.get("title") or first.get("message") or "")[:200]
    return Inbound(
        kind="status",
        address=str(status.get("recipient_id") or status.get("recipient_user_id") or ""),
        platform_message_id=wamid,
        status=state,
        error_code=str(code) if code is not None else "",
        error_title=title,
        sent_at=_when(status.get("timestamp")),
        extra={"window_closed": code in WINDOW_CODES},
    )


def inbound_from_payload(payload: Any, phone_number_id: str) -> list[Inbound]:
    """Every message and status of every entry and change addressed to this number. Changes for
    another number are skipped (logged), a malformed item is skipped alone: the rest of a batch is
    never lost for one bad part."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise ValueError("not a WhatsApp Business Account notification")
    found: list[Inbound] = []
    for entry in payload.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "messages":
                continue
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            if str(metadata.get("phone_number_id") or "") != phone_number_id:
                logger.warning("a WhatsApp change for another number reached this outlet's webhook: skipped")
                continue
            contacts: dict[str, dict] = {}
            for contact in value.get("contacts") or []:
                if isinstance(contact, dict):
                    for key in ("wa_id", "user_id"):
                        if isinstance(contact.get(key), str):
                            contacts[contact[key]] = contact
            for message in value.get("messages") or []:
                try:
                    item = _message_inbound(message, contacts) if isinstance(message, dict) else None
                except ValueError as exc:
                    logger.warning("a WhatsApp message was skipped: %s", exc)
                    continue
                if item is not None:
                    found.append(item)
            for status in value.get("statuses") or []:
                try:
                    found.append(_status_inbound(status if isinstance(status, dict) else {}))
                except ValueError as exc:
                    logger.warning("a WhatsApp status was skipped: %s", exc)
    return found


# Calling codes of countries where Spanish is the first language: a first guess, until the person writes.
SPANISH_CALLING_CODES = (
    "34", "52", "54", "56", "57", "58", "51", "53", "593", "591", "595", "598",
    "502", "503", "504", "505", "506", "507", "1809", "1829", "1849", "240",
)  # fmt: skip


def language_for_number(phone: str) -> str:
    digits = phone.lstrip("+")
    return "es" if digits and digits.startswith(SPANISH_CALLING_CODES) else ""


outlet = WhatsAppOutlet()
