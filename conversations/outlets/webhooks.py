"""The platforms' webhooks, on the creator's own host, one URL per outlet (so the secret is known
before the body is read). They answer fast: verify, keep the raw body, queue a job, 200. Nothing
is stored for a request that fails verification."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from conversations.models import MessagingOutlet
from conversations.services.inbound import body_key, raw_delivery_store
from tenants.api_errors import error_response

logger = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


def read_body(request: HttpRequest) -> bytes:
    """The exact raw bytes (signatures are over them), up to WEBHOOK_MAX_BODY_BYTES: read from the
    stream so Django's 2.5 MB limit for other views does not apply here."""
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge
    data = request.read(limit + 1)
    if len(data) > limit:
        raise BodyTooLarge
    return data


def _too_large() -> HttpResponse:
    return error_response("too_large", "The body is larger than this webhook accepts.", 413)


def _outlet(kind: str, outlet_id: uuid.UUID) -> MessagingOutlet | None:
    return MessagingOutlet.objects.filter(pk=outlet_id, kind=kind).first()


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest, outlet_id: uuid.UUID) -> HttpResponse:
    outlet = _outlet(MessagingOutlet.Kind.TELEGRAM, outlet_id)
    if outlet is None:
        return error_response("not_found", "No such outlet here.", 404)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not outlet.webhook_secret or not hmac.compare_digest(given.encode(), outlet.webhook_secret.encode()):
        return error_response("unauthorized", "The secret token does not match this outlet.", 401)
    try:
        body = read_body(request)
    except BodyTooLarge:
        return _too_large()
    try:
        update = json.loads(body)
        update_id = update["update_id"]
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise TypeError
    except (ValueError, TypeError, KeyError):
        return error_response("bad_update", "Not a Telegram update (a JSON object with an integer update_id).", 400)
    raw_delivery_store(messaging_outlet=outlet, key=f"update:{update_id}", body=body)
    return HttpResponse(status=200)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest, outlet_id: uuid.UUID) -> HttpResponse:
    outlet = _outlet(MessagingOutlet.Kind.WHATSAPP, outlet_id)
    if outlet is None:
        return error_response("not_found", "No such outlet here.", 404)
    if request.method == "GET":  # the subscription handshake from Meta's dashboard
        mode, token = request.GET.get("hub.mode", ""), request.GET.get("hub.verify_token", "")
        challenge = request.GET.get("hub.challenge", "")
        if (
            mode == "subscribe"
            and outlet.verify_token
            and hmac.compare_digest(token.encode(), outlet.verify_token.encode())
        ):
            return HttpResponse(challenge[:200], content_type="text/plain")
        return HttpResponse("The verify token does not match this outlet.", status=403, content_type="text/plain")
    try:
        body = read_body(request)
    except BodyTooLarge:
        return _too_large()
    signature = request.headers.get("X-Hub-Signature-256", "")
    expected = "sha256=" + hmac.new(outlet.app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not outlet.app_secret or not hmac.compare_digest(signature.encode(), expected.encode()):
        return error_response("unauthorized", "The X-Hub-Signature-256 signature does not match this outlet.", 401)
    try:
        payload = json.loads(body)
    except ValueError:
        return error_response("bad_payload", "The body is not JSON.", 400)
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        logger.info("a signed WhatsApp notification that is not about messages was ignored")
        return HttpResponse(status=200)  # Meta retries anything else for days: take it and move on
    raw_delivery_store(messaging_outlet=outlet, key=f"body:{body_key(body)}", body=body)
    return HttpResponse(status=200)
