"""A local speech-to-text server speaking OpenAI's `POST /v1/audio/transcriptions` (as faster-whisper servers do).

No ASR weights can be installed here, so `transcripts` maps the audio bytes a test sends to the
words it should get back; anything else becomes "audio of N bytes".
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import email.policy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

FORMATS = {"json", "text", "verbose_json", "srt", "vtt"}
LANGUAGES = {"es": "spanish", "en": "english", "pt": "portuguese", "fr": "french", "de": "german", "it": "italian"}


def error_body(message: str, type_: str = "invalid_request_error", param: str | None = None, code: str | None = None):
    """OpenAI's error shape: {"error": {"message", "type", "param", "code"}}."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def parse_multipart(content_type: str, body: bytes) -> dict[str, dict[str, Any]]:
    """multipart/form-data with the stdlib email parser: name -> {"value": bytes, "filename", "content_type"}."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        return {}
    fields: dict[str, dict[str, Any]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = {
                "value": part.get_payload(decode=True) or b"",
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
            }
    return fields


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


class TranscriptionServer:
    """`{url}/v1/audio/transcriptions`; `received` keeps every request's fields and audio."""

    def __init__(self, api_key: str | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api_key = api_key
        self.transcripts: dict[bytes, str] = {}
        self.received: list[dict[str, Any]] = []
        self.delay = 0.0  # seconds before answering, to try the caller's timeout
        self._faults: list[int] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def handle(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, body: Any) -> None:
                self._send(status, json.dumps(body).encode(), "application/json")

            def _authorised(self) -> bool:
                if server.api_key is None:
                    return True
                if self.headers.get("Authorization", "") == f"Bearer {server.api_key}":
                    return True
                self._json(401, error_body("Incorrect API key provided", code="invalid_api_key"))
                return False

            def do_GET(self) -> None:
                if urlsplit(self.path).path.rstrip("/") == "/v1/models" and self._authorised():
                    model = {"id": "Systran/faster-whisper-small", "object": "model", "owned_by": "Systran"}
                    self._json(200, {"object": "list", "data": [model]})
                elif urlsplit(self.path).path.rstrip("/") != "/v1/models":
                    self._json(404, error_body(f"Invalid URL (GET {self.path})"))

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if urlsplit(self.path).path.rstrip("/") != "/v1/audio/transcriptions":
                    self._json(404, error_body(f"Invalid URL (POST {self.path})"))
                    return
                if not self._authorised():
                    return
                content_type = self.headers.get("Content-Type", "")
                fields = parse_multipart(content_type, raw) if content_type.startswith("multipart/") else {}
                headers = {name.lower(): value for name, value in self.headers.items()}
                audio = fields.get("file")
                text_fields = {k: v["value"].decode(errors="replace") for k, v in fields.items() if k != "file"}
                server.received.append(
                    {
                        "path": self.path,
                        "headers": headers,
                        "fields": text_fields,
                        "file": audio["value"] if audio else None,
                        "filename": audio["filename"] if audio else None,
                        "content_type": audio["content_type"] if audio else None,
                    }
                )
                time.sleep(server.delay)
                with server._lock:
                    fault = server._faults.pop(0) if server._faults else None
                if fault is not None:
                    kind = "rate_limit_exceeded" if fault == 429 else "server_error"
                    self._json(
                        fault, error_body(f"The server had an error ({fault}) while processing your request.", kind)
                    )
                    return
                if audio is None or audio["filename"] is None:
                    self._json(
                        400,
                        error_body(
                            "Missing required parameter: 'file'.", param="file", code="missing_required_parameter"
                        ),
                    )
                    return
                if not text_fields.get("model"):
                    self._json(400, error_body("you must provide a model parameter", param="model"))
                    return
                response_format = text_fields.get("response_format", "json")
                if response_format not in FORMATS:
                    message = f"Invalid value for 'response_format': '{response_format}'."
                    self._json(400, error_body(message, param="response_format"))
                    return
                content = audio["value"]
                text = server.transcripts.get(content, f"audio of {len(content)} bytes")
                language = text_fields.get("language") or "es"
                duration = round(max(len(content) / 16000, 0.1), 2)  # about 16 kB a second of voice note
                self._answer(response_format, text, language, duration)

            def _answer(self, response_format: str, text: str, language: str, duration: float) -> None:
                if response_format == "text":
                    self._send(200, (text + "\n").encode(), "text/plain; charset=utf-8")
                elif response_format in {"srt", "vtt"}:
                    separator = "," if response_format == "srt" else "."
                    span = f"{_timestamp(0, separator)} --> {_timestamp(duration, separator)}"
                    cue = f"1\n{span}\n{text}\n" if response_format == "srt" else f"WEBVTT\n\n{span}\n{text}\n"
                    self._send(200, cue.encode(), "text/plain; charset=utf-8")
                elif response_format == "verbose_json":
                    segment = {
                        "id": 0,
                        "seek": 0,
                        "start": 0.0,
                        "end": duration,
                        "text": " " + text,
                        "tokens": [],
                        "temperature": 0.0,
                        "avg_logprob": -0.2,
                        "compression_ratio": 1.2,
                        "no_speech_prob": 0.01,
                    }
                    body = {
                        "task": "transcribe",
                        "language": LANGUAGES.get(language, language),
                        "duration": duration,
                        "text": text,
                        "segments": [segment],
                    }
                    self._json(200, body)
                else:
                    self._json(200, {"text": text})

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.base_url = f"{self.url}/v1"  # what an OpenAI client takes as base_url
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next `times` transcription requests answer this HTTP status with an OpenAI-shaped error."""
        with self._lock:
            self._faults.extend([status] * times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local OpenAI-style transcription server for manual trials.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8083)
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    server = TranscriptionServer(args.api_key, args.host, args.port)
    print(f"Transcriptions on {server.base_url}/audio/transcriptions")
    with contextlib.suppress(KeyboardInterrupt):
        server.thread.join()


if __name__ == "__main__":
    main()
