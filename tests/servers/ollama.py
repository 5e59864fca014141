"""A local HTTP server that answers the parts of Ollama's REST API the platform calls.

Tests start it on a free loopback port; `delay` makes it slow and `stop()` makes it unreachable.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODELS = [
    {
        "name": "mistral:latest",
        "model": "mistral:latest",
        "modified_at": "2026-11-01T10:00:00Z",
        "size": 4109865159,
        "digest": "f974a74358d62a017b37c6f424fcdf2744ca02926c4f952513ddf474b2fa5091",
        "details": {"format": "gguf", "family": "llama", "parameter_size": "7.2B", "quantization_level": "Q4_0"},
    }
]


def reply_for(messages: list[dict[str, Any]]) -> str:
    """A stand-in model: answers from the first source it was given, in the language asked for."""
    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
    last = messages[-1]["content"] if messages else ""
    marker = '<source id="1"'
    source = last.split(marker, 1)[1].split(">", 1)[1].split("</source>", 1)[0] if marker in last else ""
    source = " ".join(source.split())
    if not source:
        return "I do not know."
    lead = "Según tus fuentes:" if "answer in Spanish" in system else "According to your sources:"
    return f"{lead} {source}"


def embedding_for(text: str, dimensions: int = 64) -> list[float]:
    """A stand-in embedding: hashed bag of words, normalised, so shared words mean closeness."""
    vector = [0.0] * dimensions
    for word in text.lower().split():
        word = "".join(ch for ch in word if ch.isalnum())
        if word:
            vector[sum(map(ord, word)) % dimensions] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


class OllamaServer:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.requests: list[str] = []
        self.chats: list[dict[str, Any]] = []
        self.fail_after_tokens: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def handle(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def _json(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                server.requests.append(f"GET {self.path}")
                time.sleep(server.delay)
                if self.path == "/api/tags":
                    self._json(200, {"models": MODELS})
                elif self.path == "/api/version":
                    self._json(200, {"version": "0.13.0"})
                elif self.path == "/":
                    body = b"Ollama is running"
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                server.requests.append(f"POST {self.path}")
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                time.sleep(server.delay)
                if self.path == "/api/embed":
                    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    self._json(200, {"model": body["model"], "embeddings": [embedding_for(t) for t in texts]})
                    return
                if self.path != "/api/chat":
                    self._json(404, {"error": "not found"})
                    return
                server.chats.append(body)
                words = reply_for(body.get("messages", [])).split(" ")
                if not body.get("stream", True):
                    message = {"role": "assistant", "content": " ".join(words)}
                    self._json(200, {"model": body["model"], "message": message, "done": True, "done_reason": "stop"})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                for number, word in enumerate(words):
                    if server.fail_after_tokens is not None and number >= server.fail_after_tokens:
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    token = word if number == 0 else " " + word
                    chunk = {
                        "model": body["model"],
                        "created_at": "2026-11-25T10:00:00Z",
                        "message": {"role": "assistant", "content": token},
                        "done": False,
                    }
                    self.wfile.write(json.dumps(chunk).encode() + b"\n")
                    self.wfile.flush()
                final = {
                    "model": body["model"],
                    "created_at": "2026-11-25T10:00:01Z",
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                    "total_duration": 1000000,
                    "eval_count": len(words),
                }
                self.wfile.write(json.dumps(final).encode() + b"\n")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
