"""A local HTTP server that answers the parts of Ollama's REST API the platform calls.

Tests start it on a free loopback port; `delay` makes it slow and `stop()` makes it unreachable.
"""

from __future__ import annotations

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


class OllamaServer:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

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

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
