"""A thin client for the Telegram Bot API (`settings.TELEGRAM_API_URL`).

A library was weighed (python-telegram-bot): it is asyncio-first, its sync use needs an event loop
per Dramatiq thread, and its types are not needed beyond the few fields read here. The token is part
of every URL, so URLs are never logged (httpx's own logger is held at WARNING in settings).
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from conversations.outlets.remote import platform_http


class TelegramError(Exception):
    """The Bot API answered `ok: false` (error_code, description, parameters.retry_after)."""

    def __init__(self, error_code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after


class TelegramUnavailable(Exception):
    """No answer from the Bot API (network, timeout, not JSON)."""


class TelegramClient:
    def __init__(self, token: str) -> None:
        self.token = token

    def call(self, method: str, **params: Any) -> Any:
        url = f"{settings.TELEGRAM_API_URL}/bot{self.token}/{method}"
        try:
            response = platform_http().post(url, json=params)
        except httpx.HTTPError as exc:
            raise TelegramUnavailable(type(exc).__name__) from None  # the message would hold the URL
        try:
            body = response.json()
        except ValueError:
            raise TelegramUnavailable(f"HTTP {response.status_code} without a Bot API answer") from None
        if not isinstance(body, dict):
            raise TelegramUnavailable(f"HTTP {response.status_code} without a Bot API answer")
        if body.get("ok") is True:
            return body.get("result")
        parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
        retry_after = parameters.get("retry_after")
        raise TelegramError(
            int(body.get("error_code") or response.status_code),
            str(body.get("description") or "")[:200],
            float(retry_after) if isinstance(retry_after, int | float) else None,
        )

    def download(self, file_path: str, max_bytes: int) -> bytes:
        url = f"{settings.TELEGRAM_API_URL}/file/bot{self.token}/{file_path}"
        try:
            with platform_http().stream("GET", url) as response:
                if response.status_code != 200:
                    raise ValueError(f"the file could not be downloaded (HTTP {response.status_code})")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise ValueError("the file is larger than allowed")
                return bytes(data)
        except httpx.HTTPError as exc:
            raise ValueError(f"the file could not be downloaded ({type(exc).__name__})") from None
