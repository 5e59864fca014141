"""Messaging outlets against local servers speaking the platforms' real protocols."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from conversations.models import MessagingOutlet
from conversations.services.outlets import messaging_outlet_connect
from tests.conftest import client_for
from tests.servers.telegram import TelegramServer
from tests.servers.transcription import TranscriptionServer
from tests.servers.whatsapp import WhatsAppServer, signed

BOT_TOKEN = "123456789:AAF-alpha-coach-bot-token_x"
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAG-alpha-access-token-0123456789"
APP_SECRET = "alpha-app-secret-0123456789abcdef"
VERIFY_TOKEN = "alpha-verify-token"


@pytest.fixture
def telegram(settings):
    server = TelegramServer()
    settings.TELEGRAM_API_URL = server.url
    settings.TELEGRAM_CHAT_INTERVAL_SECONDS = 0  # pacing has its own test
    yield server
    server.stop()


@pytest.fixture
def whatsapp(settings):
    server = WhatsAppServer()
    settings.WHATSAPP_API_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def transcriber(settings):
    server = TranscriptionServer()
    settings.TRANSCRIPTION_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def bot(alpha, telegram) -> MessagingOutlet:
    telegram.add_bot(BOT_TOKEN, username="alpha_coach_bot")
    with tenant_context(alpha.creator):
        return messaging_outlet_connect(
            creator=alpha.creator, user=alpha.owner, kind="telegram", data={"bot_token": BOT_TOKEN}
        )


@pytest.fixture
def number(alpha, whatsapp) -> MessagingOutlet:
    whatsapp.add_number(PHONE_NUMBER_ID, ACCESS_TOKEN)
    with tenant_context(alpha.creator):
        return messaging_outlet_connect(
            creator=alpha.creator,
            user=alpha.owner,
            kind="whatsapp",
            data={
                "phone_number_id": PHONE_NUMBER_ID,
                "access_token": ACCESS_TOKEN,
                "app_secret": APP_SECRET,
                "verify_token": VERIFY_TOKEN,
            },
        )


class Platform:
    """Posts to a creator's webhook as the platform does, through Django's test client."""

    def __init__(self, client: Client, capture: Any) -> None:
        self.client = client
        self.capture = capture

    def telegram(self, outlet: MessagingOutlet, update: dict, secret: str | None = "from-outlet", **extra: Any):
        headers = {}
        if secret == "from-outlet":
            secret = outlet.webhook_secret
        if secret is not None:
            headers["HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"] = secret
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        with self.capture(execute=True):
            return self.client.post(
                f"/hooks/telegram/{outlet.pk}", data=body, content_type="application/json", **headers, **extra
            )

    def whatsapp(self, outlet: MessagingOutlet, payload: dict | bytes, *, secret: str = APP_SECRET, tamper=None):
        if isinstance(payload, bytes):
            body, headers = payload, {"X-Hub-Signature-256": ""}
        else:
            body, headers = signed(payload, secret)
        if tamper is not None:
            body = tamper(body)
        with self.capture(execute=True):
            return self.client.post(
                f"/hooks/whatsapp/{outlet.pk}",
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=headers.get("X-Hub-Signature-256", ""),
            )


@pytest.fixture
def platform_for(django_capture_on_commit_callbacks) -> Callable[[Any], Platform]:
    return lambda creator: Platform(client_for(creator), django_capture_on_commit_callbacks)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what code in the block queued for after commit (the test itself
    runs in one transaction that never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
