"""A local WhatsApp Cloud API (Graph API): sends, read receipts, media, and webhooks shaped like Meta's.

Tests point WHATSAPP_API_URL at `WhatsAppServer().url`. The server keeps the 24-hour customer
service window per (phone number, recipient) on its own clock (`now`), answers free-form sends
outside it the way Meta does (200, then a `failed` status webhook with 131047), and builds signed
webhook bodies for the Django test client or posts them to a live webhook.

Manual trials: `.venv/bin/python -m tests.servers.whatsapp --port 8082 --number PNID:TOKEN`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from tests.servers import loopback_target

MAX_TEXT = 4096
WINDOW = 24 * 60 * 60
MEDIA_URL_LIFETIME = 5 * 60
USER_ID = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9]{1,128}$")  # business-scoped user id: country code, a dot, id
VERSION = re.compile(r"^v\d+\.\d+$")
WINDOW_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
)
ERROR_TITLES = {
    131047: "Re-engagement message",
    131026: "Message undeliverable",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages "
    "on WhatsApp from your business.",
    131048: "Spam rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    130429: "Rate limit hit",
}
MESSAGE_TYPES = {
    "text",
    "template",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "reaction",
}


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends: HMAC-SHA256 of the raw body with the app secret."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signed(payload: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    """The exact body bytes and headers of a webhook POST (Django test client: data=body, headers=headers)."""
    body = json.dumps(payload).encode()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, app_secret)}


def handshake(
    webhook_url: str, verify_token: str, challenge: str = "1158201444", client: httpx.Client | None = None
) -> httpx.Response:
    """The GET Meta's dashboard makes when a webhook URL is saved; the app must echo the challenge."""
    params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
    if client is None:
        return httpx.get(webhook_url, params=params, timeout=10.0)
    return client.get(webhook_url, params=params, timeout=10.0)


def batch(*payloads: dict[str, Any]) -> dict[str, Any]:
    """Several webhook bodies as one: one entry per business account, their changes side by side."""
    entries: dict[str, dict[str, Any]] = {}
    for payload in payloads:
        for entry in payload["entry"]:
            entries.setdefault(entry["id"], {"id": entry["id"], "changes": []})["changes"].extend(entry["changes"])
    return {"object": "whatsapp_business_account", "entry": list(entries.values())}


def wamid() -> str:
    return "wamid." + base64.b64encode(b"\x1d\x18\x0b" + secrets.token_bytes(33)).decode()


def fbtrace_id() -> str:
    return secrets.token_urlsafe(16)[:23]


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


class GraphError(Exception):
    """An error answer: `{"error": {"message", "type", "code", "error_data"?, "error_subcode"?, "fbtrace_id"}}`."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        details: str | None = None,
        subcode: int | None = None,
        type_: str = "OAuthException",
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.subcode = subcode
        self.type = type_
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}


def invalid(message: str, details: str | None = None) -> GraphError:
    return GraphError(400, 100, message, details=details)


class WhatsAppServer:
    """The Cloud API at `{url}/{version}/...`, media downloads at `{url}/media/...`, controls at `/_person/`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.numbers: dict[str, dict[str, Any]] = {}  # phone_number_id -> settings
        self.media: dict[str, dict[str, Any]] = {}  # media_id -> {"content", "mime_type", "sha256"}
        self.requests: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []  # accepted sends: {"phone_number_id", "recipient", "wamid", "body"}
        self.statuses: list[dict[str, Any]] = []  # every status webhook body the server produced
        self.pending_statuses: list[dict[str, Any]] = []  # those not yet posted to a webhook
        self.deliveries: list[dict[str, Any]] = []  # what was posted to webhooks and how they answered
        self.window_failure_mode = "async"  # "sync": the send itself answers 400 with 131047
        self.emit_delivery_statuses = False  # True: accepted sends inside the window also yield sent/delivered
        self.now: Callable[[], float] = time.time
        self._windows: dict[tuple[str, str], float] = {}  # (phone_number_id, recipient) -> last inbound time
        self._faults: list[GraphError] = []
        self._downloads: dict[str, tuple[str, float]] = {}  # url key -> (media_id, expires at)
        self._lock = threading.RLock()
        self._http: httpx.Client | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def handle(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(body).encode(), "application/json; charset=UTF-8", headers)

            def _dispatch(self) -> None:
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                if path.startswith("/_person/"):
                    self._person(path, query, body if isinstance(body, dict) else {})
                    return
                headers = {name.lower(): value for name, value in self.headers.items()}
                server.requests.append({"method": self.command, "path": self.path, "headers": headers, "json": body})
                token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
                after: list[dict[str, Any]] = []
                try:
                    status, answer, content_type = server._route(self.command, path, query, token, raw, body, after)
                except GraphError as error:
                    extra = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
                    self._json(error.status, error.body(), extra)
                    return
                if isinstance(answer, bytes):
                    self._send(status, answer, content_type)
                else:
                    self._json(status, answer)
                if after:  # status webhooks go out after the send was answered, as Meta's do
                    threading.Thread(target=server._post_statuses, daemon=True).start()

            def _person(self, path: str, query: dict[str, str], params: dict[str, Any]) -> None:
                """Control endpoints for manual trials: a person writes, or reads what the business sent."""
                try:
                    if path == "/_person/send" and self.command == "POST":
                        kw = {"name": params["name"]} if params.get("name") else {}
                        response = server.person_sends(
                            str(params["phone_number_id"]), str(params["wa_id"]), params["text"], **kw
                        )
                        self._json(200, {"status": response.status_code, "body": response.text})
                    elif path == "/_person/webhook" and self.command == "POST":
                        server.configure_webhook(str(params["phone_number_id"]), params["url"], params["app_secret"])
                        self._json(200, {"success": True})
                    elif path == "/_person/messages":
                        messages = [
                            dict(m["body"], id=m["wamid"])
                            for m in server.sent
                            if m["phone_number_id"] == query["phone_number_id"]
                            and m["recipient"] == server._recipient_key(query["to"])
                        ]
                        self._json(200, {"messages": messages})
                    else:
                        self._json(404, {"error": "unknown control endpoint"})
                except KeyError as missing:
                    self._json(400, {"error": f"missing {missing}"})
                except (RuntimeError, httpx.HTTPError) as error:
                    self._json(409, {"error": str(error)})

            do_GET = do_POST = do_DELETE = _dispatch

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._http is not None:
            self._http.close()

    @property
    def http(self) -> httpx.Client:
        """One client for the webhook posts: a new one per post would cost tens of milliseconds each."""
        if self._http is None:
            self._http = httpx.Client(timeout=10.0)
        return self._http

    sign = staticmethod(sign)
    signed = staticmethod(signed)
    handshake = staticmethod(handshake)
    batch = staticmethod(batch)

    # --- set-up -------------------------------------------------------------------------------

    def add_number(
        self,
        phone_number_id: str,
        access_token: str,
        display_phone_number: str = "+34 600 000 000",
        waba_id: str | None = None,
    ) -> None:
        with self._lock:
            self.numbers[str(phone_number_id)] = {
                "access_token": access_token,
                "display_phone_number": display_phone_number,
                "waba_id": waba_id or str(secrets.randbelow(9 * 10**14) + 10**14),
                "templates": set(),
                "webhook_url": None,
                "app_secret": None,
            }

    def add_template(self, phone_number_id: str, name: str, language: str = "es") -> None:
        self.numbers[str(phone_number_id)]["templates"].add((name, language))

    def configure_webhook(self, phone_number_id: str, url: str, app_secret: str) -> None:
        """Where Meta posts this number's webhooks, and the app secret it signs them with."""
        number = self.numbers[str(phone_number_id)]
        number["webhook_url"], number["app_secret"] = url, app_secret

    def add_media(self, content: bytes, mime_type: str = "audio/ogg", media_id: str | None = None) -> str:
        media_id = media_id or str(secrets.randbelow(9 * 10**15) + 10**15)
        with self._lock:
            self.media[media_id] = {
                "content": content,
                "mime_type": mime_type,
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        return media_id

    def open_window(self, phone_number_id: str, recipient: str, at: float | None = None) -> None:
        """The person wrote at `at` (default: now): free-form messages are allowed for 24 hours after."""
        with self._lock:
            self._windows[(str(phone_number_id), self._recipient_key(recipient))] = self.now() if at is None else at

    def window_open(self, phone_number_id: str, recipient: str) -> bool:
        opened = self._windows.get((str(phone_number_id), self._recipient_key(recipient)))
        return opened is not None and self.now() - opened < WINDOW

    def fail_next(
        self,
        http_status: int,
        code: int,
        message: str,
        times: int = 1,
        retry_after: int | None = None,
        details: str | None = None,
        subcode: int | None = None,
    ) -> None:
        """The next `times` sends (not read receipts) answer this error; the message gets Meta's "(#code) " prefix."""
        text = message if message.startswith("(#") else f"(#{code}) {message}"
        details = details if details is not None else ERROR_TITLES.get(code, message)
        with self._lock:
            self._faults.extend(
                GraphError(http_status, code, text, details=details, subcode=subcode, retry_after=retry_after)
                for _ in range(times)
            )

    # --- inspection ---------------------------------------------------------------------------

    def sent_messages(self, phone_number_id: str | None = None) -> list[dict[str, Any]]:
        """Bodies of the sends Meta accepted (read receipts excluded), oldest first."""
        return [m["body"] for m in self.sent if phone_number_id is None or m["phone_number_id"] == str(phone_number_id)]

    def sent_texts(self, phone_number_id: str | None = None, to: str | None = None) -> list[str]:
        key = self._recipient_key(to) if to is not None else None
        return [
            m["body"]["text"]["body"]
            for m in self.sent
            if m["body"].get("type", "text") == "text"
            and (phone_number_id is None or m["phone_number_id"] == str(phone_number_id))
            and (key is None or m["recipient"] == key)
        ]

    def read_receipts(self) -> list[dict[str, Any]]:
        return [
            r["json"]
            for r in self.requests
            if r["method"] == "POST"
            and r["path"].endswith("/messages")
            and isinstance(r["json"], dict)
            and r["json"].get("status") == "read"
        ]

    # --- the Graph API ------------------------------------------------------------------------

    @staticmethod
    def _recipient_key(recipient: str) -> str:
        recipient = str(recipient)
        return recipient if USER_ID.match(recipient) else digits(recipient)

    def _authorised(self, token: str) -> bool:
        return bool(token) and any(n["access_token"] == token for n in self.numbers.values())

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        token: str,
        raw: bytes,
        body: Any,
        after: list[dict[str, Any]],
    ) -> tuple[int, Any, str]:
        segments = [s for s in path.split("/") if s]
        if segments[:1] == ["media"] and len(segments) == 2:
            return self._download(segments[1], token)
        if not segments or not VERSION.match(segments[0]):
            raise GraphError(400, 2500, "Unknown path components: " + path)
        if not self._authorised(token):
            raise GraphError(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if len(segments) == 3 and segments[2] == "messages" and method == "POST":
            return 200, self._messages(segments[1], token, raw, body, after), ""
        if len(segments) == 2 and method == "GET":
            return 200, self._get_object(segments[1]), ""
        if len(segments) == 2 and method == "DELETE" and segments[1] in self.media:
            del self.media[segments[1]]
            return 200, {"success": True}, ""
        raise self._unsupported(method, segments[1] if len(segments) > 1 else "")

    @staticmethod
    def _unsupported(method: str, object_id: str) -> GraphError:
        return GraphError(
            400,
            100,
            f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be loaded "
            "due to missing permissions, or does not support this operation. Please read the Graph API "
            "documentation at https://developers.facebook.com/docs/graph-api",
            subcode=33,
            type_="GraphMethodException",
        )

    def _get_object(self, object_id: str) -> dict[str, Any]:
        if object_id in self.media:
            media = self.media[object_id]
            key = secrets.token_urlsafe(24)
            expires = self.now() + MEDIA_URL_LIFETIME
            with self._lock:
                self._downloads[key] = (object_id, expires)
            return {
                "messaging_product": "whatsapp",
                # A test can make the API name another host (what the app must refuse to send its token to).
                "url": media.get("url_override")
                or f"{self.url}/media/{key}?ext={int(expires)}&hash={secrets.token_urlsafe(12)}",
                "mime_type": media["mime_type"],
                "sha256": media["sha256"],
                "file_size": len(media["content"]),
                "id": object_id,
            }
        if object_id in self.numbers:
            number = self.numbers[object_id]
            return {
                "verified_name": "Compañero",
                "display_phone_number": number["display_phone_number"],
                "id": object_id,
                "quality_rating": "GREEN",
            }
        raise self._unsupported("GET", object_id)

    def _download(self, key: str, token: str) -> tuple[int, Any, str]:
        if not self._authorised(token):
            raise GraphError(401, 190, "Invalid OAuth access token - Cannot parse access token")
        found = self._downloads.get(key)
        if found is None or self.now() > found[1] or found[0] not in self.media:
            return 404, b"", "text/plain"
        media = self.media[found[0]]
        return 200, media["content"], media["mime_type"]

    def _messages(self, phone_number_id: str, token: str, raw: bytes, body: Any, after: list[dict[str, Any]]) -> Any:
        number = self.numbers.get(phone_number_id)
        if number is None or number["access_token"] != token:
            raise self._unsupported("POST", phone_number_id)
        if not isinstance(body, dict):
            raise invalid("(#100) Invalid parameter", "Request body must be a JSON object")
        product = body.get("messaging_product")
        if product is None:
            raise invalid("(#100) The parameter messaging_product is required.")
        if product != "whatsapp":
            raise invalid(f'(#100) Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')
        if body.get("status") == "read":
            if not body.get("message_id"):
                raise invalid("(#100) The parameter message_id is required.")
            indicator = body.get("typing_indicator")
            if indicator is not None and (not isinstance(indicator, dict) or indicator.get("type") != "text"):
                raise invalid("(#100) Param typing_indicator['type'] must be one of {TEXT}")
            return {"success": True}
        with self._lock:
            if self._faults:
                raise self._faults.pop(0)
        recipient = body.get("to") or body.get("recipient")
        if not recipient:
            raise invalid("(#100) The parameter to is required.")
        recipient = str(recipient)
        if "recipient" in body and "to" not in body and not USER_ID.match(recipient):
            raise invalid("(#100) Invalid parameter", f"Param recipient '{recipient}' is not a valid user id")
        if "to" in body and not digits(recipient):
            raise invalid("(#100) Invalid parameter", "Param to must be a phone number")
        kind = body.get("type", "text")
        if kind not in MESSAGE_TYPES:
            raise invalid(f"(#100) Param type must be one of {{{', '.join(sorted(MESSAGE_TYPES)).upper()}}}")
        if kind == "text":
            text = body.get("text")
            if not isinstance(text, dict) or not isinstance(text.get("body"), str) or not text["body"]:
                raise invalid("(#100) The parameter text['body'] is required.")
            if len(text["body"]) > MAX_TEXT:
                raise invalid("(#100) Param text['body'] must be at most 4096 characters long")
        elif kind == "template":
            self._check_template(number, body.get("template"))
        elif not isinstance(body.get(kind), dict):
            raise invalid(f"(#100) The parameter {kind} is required.")
        key = self._recipient_key(recipient)
        in_window = kind == "template" or self.window_open(phone_number_id, key)
        if not in_window and self.window_failure_mode == "sync":
            raise GraphError(400, 131047, "(#131047) Re-engagement message", details=WINDOW_DETAILS)
        message_id = wamid()
        with self._lock:
            self.sent.append({"phone_number_id": phone_number_id, "recipient": key, "wamid": message_id, "body": body})
        if not in_window:
            error = {
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {"details": WINDOW_DETAILS},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            }
            after.append(self._queue_status(phone_number_id, message_id, "failed", key, errors=[error]))
        elif self.emit_delivery_statuses:
            for status in ("sent", "delivered"):
                after.append(self._queue_status(phone_number_id, message_id, status, key))
        if not number["webhook_url"]:
            after.clear()  # nowhere to post them: they wait in pending_statuses
        contact = {"input": recipient, "user_id": key} if USER_ID.match(key) else {"input": recipient, "wa_id": key}
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{"id": message_id}],
        }
        if kind == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return answer

    @staticmethod
    def _check_template(number: dict[str, Any], template: Any) -> None:
        if not isinstance(template, dict) or not template.get("name"):
            raise invalid("(#100) The parameter template['name'] is required.")
        language = template.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        if not code:
            raise invalid("(#100) The parameter template['language']['code'] is required.")
        if "components" in template and not isinstance(template["components"], list):
            raise invalid("(#100) Param template['components'] must be an array.")
        if (template["name"], code) not in number["templates"]:
            raise GraphError(
                404,
                132001,
                "(#132001) Template name does not exist in the translation",
                details=f"template name ({template['name']}) does not exist in {code}",
            )

    def _queue_status(self, phone_number_id: str, message_id: str, status: str, recipient: str, **kw: Any) -> dict:
        payload = self.status_payload(phone_number_id, message_id, status, recipient, **kw)
        with self._lock:
            self.statuses.append(payload)
            self.pending_statuses.append(payload)
        return payload

    def _post_statuses(self) -> None:
        with contextlib.suppress(httpx.HTTPError, RuntimeError):
            self.deliver_statuses()

    def deliver_statuses(self) -> list[httpx.Response]:
        """Post the pending status webhooks of numbers that have a webhook configured; keep the others pending."""
        responses = []
        with self._lock:
            ready = [p for p in self.pending_statuses if self.numbers[self._phone_of(p)]["webhook_url"] is not None]
            for payload in ready:
                self.pending_statuses.remove(payload)
        for payload in ready:
            responses.append(self.post_webhook(self._phone_of(payload), payload))
        return responses

    @staticmethod
    def _phone_of(payload: dict[str, Any]) -> str:
        return payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"]

    # --- webhooks, as Meta posts them ---------------------------------------------------------

    def _envelope(self, phone_number_id: str, value: dict[str, Any]) -> dict[str, Any]:
        number = self.numbers.get(str(phone_number_id)) or {"display_phone_number": "+34 600 000 000", "waba_id": "0"}
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": digits(number["display_phone_number"]),
                "phone_number_id": str(phone_number_id),
            },
            **value,
        }
        change = {"value": value, "field": "messages"}
        return {"object": "whatsapp_business_account", "entry": [{"id": number["waba_id"], "changes": [change]}]}

    def _inbound(
        self,
        phone_number_id: str,
        wa_id: str,
        kind: str,
        content: dict[str, Any],
        name: str = "Ana",
        message_id: str | None = None,
        timestamp: int | None = None,
        user_id: str | None = None,
        without_wa_id: bool = False,
    ) -> dict[str, Any]:
        """A person's message: the contact, the message, and (as a side effect) the window it opens."""
        at = int(self.now()) if timestamp is None else int(timestamp)
        contact: dict[str, Any] = {"profile": {"name": name}}
        message: dict[str, Any] = {}
        if not without_wa_id:
            contact["wa_id"] = digits(wa_id)
            message["from"] = digits(wa_id)
        if user_id is not None or without_wa_id:
            uid = user_id or wa_id
            contact["user_id"] = uid
            message["from_user_id"] = uid
        message.update(id=message_id or wamid(), timestamp=str(at), type=kind)
        message[kind] = content
        if not without_wa_id:
            self.open_window(phone_number_id, wa_id, at=at)
        if "user_id" in contact:
            self.open_window(phone_number_id, contact["user_id"], at=at)
        return self._envelope(phone_number_id, {"contacts": [contact], "messages": [message]})

    def message_payload(
        self,
        phone_number_id: str,
        wa_id: str,
        text: str,
        name: str = "Ana",
        message_id: str | None = None,
        timestamp: int | None = None,
        user_id: str | None = None,
        without_wa_id: bool = False,
    ) -> dict[str, Any]:
        """A text message webhook body; with `without_wa_id`, `wa_id` is taken as the business-scoped user id."""
        return self._inbound(
            phone_number_id, wa_id, "text", {"body": text}, name, message_id, timestamp, user_id, without_wa_id
        )

    def audio_payload(self, phone_number_id: str, wa_id: str, media_id: str, voice: bool = True, **kw: Any) -> dict:
        media = self.media.get(media_id, {})
        mime = "audio/ogg; codecs=opus" if voice else media.get("mime_type", "audio/mpeg")
        audio = {"mime_type": mime, "sha256": media.get("sha256", ""), "id": media_id, "voice": voice}
        return self._inbound(phone_number_id, wa_id, "audio", audio, **kw)

    def image_payload(
        self, phone_number_id: str, wa_id: str, media_id: str, caption: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        media = self.media.get(media_id, {})
        image: dict[str, Any] = {}
        if caption is not None:
            image["caption"] = caption
        image.update(mime_type=media.get("mime_type", "image/jpeg"), sha256=media.get("sha256", ""), id=media_id)
        return self._inbound(phone_number_id, wa_id, "image", image, **kw)

    def status_payload(
        self,
        phone_number_id: str,
        wamid: str,
        status: str,
        recipient_id: str,
        errors: list[dict[str, Any]] | None = None,
        timestamp: int | None = None,
    ) -> dict[str, Any]:
        """A status webhook (sent / delivered / read / failed); failed ones carry errors and no pricing, as Meta's."""
        at = int(self.now()) if timestamp is None else int(timestamp)
        entry: dict[str, Any] = {"id": wamid, "status": status, "timestamp": str(at)}
        key = self._recipient_key(recipient_id)
        if USER_ID.match(key):
            entry["recipient_user_id"] = key
        else:
            entry["recipient_id"] = key
        if status == "failed" or errors:
            entry["errors"] = errors or [{"code": 131026, "title": "Message undeliverable"}]
        else:
            conversation: dict[str, Any] = {"id": secrets.token_hex(16), "origin": {"type": "service"}}
            if status == "sent":
                conversation["expiration_timestamp"] = str(at + WINDOW)
            entry["conversation"] = conversation
            entry["pricing"] = {
                "billable": False,
                "pricing_model": "PMP",
                "category": "service",
                "type": "free_customer_service",
            }
        return self._envelope(phone_number_id, {"statuses": [entry]})

    def post_webhook(self, phone_number_id: str, payload: dict[str, Any], timeout: float = 10.0) -> httpx.Response:
        """POST a webhook body, signed with the number's app secret, to its configured webhook."""
        number = self.numbers[str(phone_number_id)]
        if not number["webhook_url"] or not number["app_secret"]:
            raise RuntimeError(f"number {phone_number_id} has no webhook: call configure_webhook first")
        body, headers = signed(payload, number["app_secret"])
        url, host = loopback_target(number["webhook_url"])
        response = self.http.post(url, content=body, headers={**headers, **host}, timeout=timeout)
        self.deliveries.append(
            {"phone_number_id": str(phone_number_id), "payload": payload, "status": response.status_code}
        )
        return response

    def person_sends(self, phone_number_id: str, wa_id: str, text: str, **kw: Any) -> httpx.Response:
        """A person writes: the window opens and the signed webhook is posted to the app."""
        return self.post_webhook(phone_number_id, self.message_payload(phone_number_id, wa_id, text, **kw))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local WhatsApp Cloud API for manual trials.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--number", action="append", default=[], help="PHONE_NUMBER_ID:ACCESS_TOKEN (repeatable)")
    parser.add_argument("--webhook", help="the app's webhook URL, for every number")
    parser.add_argument("--app-secret", help="the app secret webhooks are signed with")
    args = parser.parse_args(argv)
    server = WhatsAppServer(args.host, args.port)
    server.emit_delivery_statuses = True
    for spec in args.number or ["100000000000001:test-token"]:
        phone_number_id, _, token = spec.partition(":")
        server.add_number(phone_number_id, token)
        if args.webhook and args.app_secret:
            server.configure_webhook(phone_number_id, args.webhook, args.app_secret)
    pnid = next(iter(server.numbers))
    print(f"WhatsApp Cloud API on {server.url}  (set WHATSAPP_API_URL={server.url})")
    print(f"Numbers: {', '.join(server.numbers)}")
    print("Where webhooks go (unless --webhook/--app-secret were given):")
    print(
        f"  curl -s {server.url}/_person/webhook -H 'Content-Type: application/json'"
        f' -d \'{{"phone_number_id": "{pnid}", "url": "http://127.0.0.1:8000/...", "app_secret": "..."}}\''
    )
    print("A person writes (opens the 24 h window, posts the signed webhook):")
    print(
        f"  curl -s {server.url}/_person/send -H 'Content-Type: application/json'"
        f' -d \'{{"phone_number_id": "{pnid}", "wa_id": "34611111111", "text": "Hola"}}\''
    )
    print("What the business sent that person:")
    print(f"  curl -s '{server.url}/_person/messages?phone_number_id={pnid}&to=34611111111'")
    with contextlib.suppress(KeyboardInterrupt):
        server.thread.join()


if __name__ == "__main__":
    main()
