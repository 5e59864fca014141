"""Speech to text through a server speaking OpenAI's `/v1/audio/transcriptions` (faster-whisper
servers, and OpenAI itself): `settings.TRANSCRIPTION_URL`. Nothing is downloaded or run locally."""

from __future__ import annotations

import httpx
from django.conf import settings

EXTENSIONS = {"audio/ogg": "ogg", "audio/opus": "ogg", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/amr": "amr"}


class TranscriptionFailed(Exception):
    """No transcript: the server is down, refused the audio, or answered something else."""


def transcribe(audio: bytes, content_type: str, *, language: str = "") -> str:
    base = settings.TRANSCRIPTION_URL
    if not base:
        raise TranscriptionFailed("no transcription server is configured")
    kind = content_type.split(";")[0].strip().lower()
    filename = f"voice.{EXTENSIONS.get(kind, 'ogg')}"
    data = {"model": settings.TRANSCRIPTION_MODEL, "response_format": "json"}
    if language:
        data["language"] = language
    headers = {"Authorization": f"Bearer {settings.TRANSCRIPTION_API_KEY}"} if settings.TRANSCRIPTION_API_KEY else {}
    try:
        response = httpx.post(
            f"{base}/v1/audio/transcriptions",
            data=data,
            files={"file": (filename, audio, kind or "audio/ogg")},
            headers=headers,
            timeout=max(30.0, settings.OUTLET_API_TIMEOUT_SECONDS),
        )
    except httpx.HTTPError as exc:
        raise TranscriptionFailed(f"the transcription server did not answer ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise TranscriptionFailed(f"the transcription server answered {response.status_code}")
    try:
        text = response.json().get("text")
    except (ValueError, AttributeError):
        raise TranscriptionFailed("the transcription server's answer was not JSON") from None
    if not isinstance(text, str) or not text.strip():
        raise TranscriptionFailed("the transcription was empty")
    return text.strip()[: settings.CHAT_MAX_MESSAGE_CHARS]
