"""A local Telegram Bot API: answers the methods the platform calls with the real shapes and errors.

Tests point TELEGRAM_API_URL at `TelegramServer().url`, build Updates shaped like Telegram's and
`deliver` them to the webhook the app registered, with the secret header Telegram sends. People
can press Start, block and unblock the bot; faults and 429s can be scripted.

Manual trials: `.venv/bin/python -m tests.servers.telegram --port 8081 --token 123456:ABC-test`.
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import email.policy
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

SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_TEXT = 4096
MAX_FILE = 20 * 1024 * 1024  # bots may download files up to 20 MB
_REGISTERED: Any = object()  # deliver()'s default: the secret the bot registered with setWebhook


class TelegramError(Exception):
    """An error answer: `{"ok": false, "error_code", "description", "parameters"?}` with that HTTP status."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def parse_form(content_type: str, body: bytes) -> dict[str, Any]:
    """Parameters from a JSON, form-encoded or multipart body (the Bot API accepts all three)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
    if kind == "application/x-www-form-urlencoded":
        return {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            params[str(name)] = payload if part.get_filename() else payload.decode()
        return params
    return {}


def _json_field(value: Any) -> Any:
    """Form-encoded calls carry arrays and objects (allowed_updates, reply_markup) as JSON strings."""
    if isinstance(value, str) and value[:1] in "[{":
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _chat_key(chat_id: Any) -> Any:
    """Chat ids arrive as numbers in JSON and as strings in forms and query strings; compare them as numbers."""
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return chat_id


class TelegramServer:
    """The Bot API at `{url}/bot{token}/{method}` and file downloads at `{url}/file/bot{token}/{path}`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.bots: dict[str, dict[str, Any]] = {}  # token -> {"user", "webhook"}
        self.calls: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []  # what deliver() posted and what the webhook answered
        self.files: dict[str, dict[str, Any]] = {}  # file_id -> File object plus "content"
        self.per_chat_interval: float | None = None
        self.require_https = False  # the real API refuses http:// webhooks; tests serve plain http
        self.now: Callable[[], float] = time.time
        self._started: set[tuple[str, Any]] = set()
        self._blocked: set[tuple[str, Any]] = set()
        self._sent: dict[tuple[str, Any], list[dict[str, Any]]] = {}
        self._last_send: dict[tuple[str, Any], float] = {}
        self._message_ids: dict[Any, int] = {}
        self._names: dict[Any, str] = {}
        self._faults: dict[str, list[TelegramError]] = {}
        self._update_id = secrets.randbelow(900_000_000) + 100_000_000
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
                self._send(status, json.dumps(body).encode(), "application/json", headers)

            def _dispatch(self) -> None:
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                    params.update(parse_form(self.headers.get("Content-Type", ""), raw))
                except ValueError:
                    self._json(400, TelegramError(400, "Bad Request: can't parse JSON object").body())
                    return
                if path.startswith("/_person/"):
                    self._person(path, params)
                    return
                if match := re.fullmatch(r"/file/bot([^/]+)/(.+)", path):
                    self._file(match[1], match[2])
                    return
                match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)/?", path)
                if not match:
                    self._json(404, TelegramError(404, "Not Found").body())
                    return
                try:
                    result, description = server._call(match[1], match[2], params)
                except TelegramError as error:
                    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
                    self._json(error.error_code, error.body(), headers)
                    return
                body: dict[str, Any] = {"ok": True, "result": result}
                if description:
                    body["description"] = description
                self._json(200, body)

            def _file(self, token: str, file_path: str) -> None:
                found = next((f for f in server.files.values() if f["file_path"] == file_path), None)
                if token not in server.bots:
                    self._json(401, TelegramError(401, "Unauthorized").body())
                elif found is None:
                    self._json(404, TelegramError(404, "Not Found").body())
                else:
                    self._send(200, found["content"], "application/octet-stream")

            def _person(self, path: str, params: dict[str, Any]) -> None:
                """Control endpoints for manual trials: a person writes to the bot, or reads what it sent."""
                try:
                    if path == "/_person/send" and self.command == "POST":
                        token = params["token"]
                        update = server.update_text(
                            params["chat_id"], params["text"], first_name=params.get("first_name", "Ana"), token=token
                        )
                        response = server.deliver(token, update)
                        self._json(200, {"status": response.status_code, "body": response.text, "update": update})
                    elif path == "/_person/messages":
                        messages = server.sent_messages(params["chat_id"], token=params.get("token"))
                        self._json(200, {"messages": messages, "texts": [m.get("text") for m in messages]})
                    else:
                        self._json(404, {"error": "unknown control endpoint"})
                except KeyError as missing:
                    self._json(400, {"error": f"missing {missing}"})
                except (RuntimeError, httpx.HTTPError) as error:
                    self._json(409, {"error": str(error)})

            do_GET = do_POST = _dispatch

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

    # --- set-up -------------------------------------------------------------------------------

    def add_bot(self, token: str, username: str = "coach_bot", bot_id: int | None = None) -> dict[str, Any]:
        """Register a bot token; returns its User object (what getMe answers)."""
        if bot_id is None:
            head = token.split(":", 1)[0]
            bot_id = int(head) if head.isdigit() else secrets.randbelow(9_000_000_000) + 1_000_000_000
        user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": username.removesuffix("_bot").replace("_", " ").title() or username,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        with self._lock:
            self.bots[token] = {"user": user, "webhook": None}
        return user

    def fail_next(
        self, method: str, error_code: int, description: str, retry_after: int | None = None, times: int = 1
    ) -> None:
        """The next `times` calls of `method` (any bot) answer this error instead."""
        with self._lock:
            queue = self._faults.setdefault(method.lower(), [])
            queue.extend(TelegramError(error_code, description, retry_after) for _ in range(times))

    def add_file(self, content: bytes, file_path: str = "voice/file_1.oga", file_size: int | None = None) -> str:
        """Keep a file for getFile and the download URL; `file_size` can claim a size (to try the 20 MB limit)."""
        file_id = "AwACAgQAAxkBAAI" + secrets.token_urlsafe(40)
        with self._lock:
            self.files[file_id] = {
                "file_id": file_id,
                "file_unique_id": "AgAD" + secrets.token_urlsafe(9),
                "file_size": len(content) if file_size is None else file_size,
                "file_path": file_path,
                "content": content,
            }
        return file_id

    # --- people -------------------------------------------------------------------------------

    def _tokens(self, token: str | None) -> list[str]:
        return [token] if token is not None else list(self.bots)

    def start_chat(self, token: str, chat_id: int | str) -> None:
        """The person pressed Start: the bot may now write to them."""
        with self._lock:
            self._started.add((token, _chat_key(chat_id)))

    def block(self, token: str, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.add((token, _chat_key(chat_id)))

    def unblock(self, token: str, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard((token, _chat_key(chat_id)))
            self._started.add((token, _chat_key(chat_id)))

    # --- inspection ---------------------------------------------------------------------------

    def calls_of(self, method: str, token: str | None = None) -> list[dict[str, Any]]:
        return [
            c for c in self.calls if c["method"].lower() == method.lower() and (token is None or c["token"] == token)
        ]

    def sent_messages(self, chat_id: int | str, token: str | None = None) -> list[dict[str, Any]]:
        """The Message objects the bot(s) sent this chat, oldest first."""
        key = _chat_key(chat_id)
        return [m for t in self._tokens(token) for m in self._sent.get((t, key), [])]

    def sent_texts(self, chat_id: int | str, token: str | None = None) -> list[str]:
        return [m.get("text", "") for m in self.sent_messages(chat_id, token)]

    def webhook(self, token: str) -> dict[str, Any] | None:
        """What setWebhook stored for this bot: {"url", "secret_token", "allowed_updates"}, or None."""
        return self.bots[token]["webhook"]

    # --- the Bot API --------------------------------------------------------------------------

    def _call(self, token: str, method: str, params: dict[str, Any]) -> tuple[Any, str | None]:
        with self._lock:
            handlers: dict[str, Callable[[str, dict[str, Any]], Any]] = {
                "getme": self._get_me,
                "setwebhook": self._set_webhook,
                "deletewebhook": self._delete_webhook,
                "getwebhookinfo": self._get_webhook_info,
                "sendmessage": self._send_message,
                "sendchataction": self._send_chat_action,
                "answercallbackquery": self._answer_callback_query,
                "getfile": self._get_file,
            }
            self.calls.append({"token": token, "method": method, "params": params})
            if token not in self.bots:
                raise TelegramError(401, "Unauthorized")
            handler = handlers.get(method.lower())  # method names are case-insensitive
            if handler is None:
                raise TelegramError(404, "Not Found")
            faults = self._faults.get(method.lower())
            if faults:
                raise faults.pop(0)
            result = handler(token, params)
            return result if isinstance(result, tuple) else (result, None)

    @staticmethod
    def _required(params: dict[str, Any], name: str) -> Any:
        value = params.get(name)
        if value is None or value == "":
            raise TelegramError(
                400, f"Bad Request: {name} is empty" if name == "chat_id" else f"Bad Request: {name} required"
            )
        return value

    def _get_me(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.bots[token]["user"]

    def _set_webhook(self, token: str, params: dict[str, Any]) -> tuple[bool, str]:
        if "url" not in params:
            raise TelegramError(400, 'Bad Request: parameter "url" is required')
        url = str(params["url"])
        if not url:
            return self._delete_webhook(token, params)
        if self.require_https and not url.startswith("https://"):
            raise TelegramError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.match(str(secret)):
            raise TelegramError(400, "Bad Request: secret token contains unallowed characters")
        allowed = _json_field(params.get("allowed_updates"))
        self.bots[token]["webhook"] = {"url": url, "secret_token": secret, "allowed_updates": allowed}
        return True, "Webhook was set"

    def _delete_webhook(self, token: str, params: dict[str, Any]) -> tuple[bool, str]:
        had = self.bots[token]["webhook"] is not None
        self.bots[token]["webhook"] = None
        return True, "Webhook was deleted" if had else "Webhook is already deleted"

    def _get_webhook_info(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        hook = self.bots[token]["webhook"]
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if hook:
            info.update(url=hook["url"], max_connections=40, ip_address="127.0.0.1")
            if hook["allowed_updates"]:
                info["allowed_updates"] = hook["allowed_updates"]
        return info

    def _check_chat(self, token: str, chat: Any) -> None:
        if (token, chat) in self._blocked:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        if (token, chat) not in self._started:
            raise TelegramError(403, "Forbidden: bot can't initiate conversation with a user")

    def _send_message(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat = _chat_key(self._required(params, "chat_id"))
        text = params.get("text")
        if text is None or not str(text).strip():
            raise TelegramError(400, "Bad Request: message text is empty")
        text = str(text)
        if len(text) > MAX_TEXT:
            raise TelegramError(400, "Bad Request: message is too long")
        self._check_chat(token, chat)
        now = self.now()
        last = self._last_send.get((token, chat))
        if self.per_chat_interval is not None and last is not None and now - last < self.per_chat_interval:
            raise TelegramError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._last_send[(token, chat)] = now
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat),
            "from": self.bots[token]["user"],
            "chat": self._chat(chat),
            "date": int(now),
            "text": text,
        }
        if "reply_markup" in params:
            message["reply_markup"] = _json_field(params["reply_markup"])
        self._sent.setdefault((token, chat), []).append(message)
        return message

    def _send_chat_action(self, token: str, params: dict[str, Any]) -> bool:
        chat = _chat_key(self._required(params, "chat_id"))
        if not params.get("action"):
            raise TelegramError(400, "Bad Request: action is empty")
        self._check_chat(token, chat)
        return True

    def _answer_callback_query(self, token: str, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise TelegramError(400, 'Bad Request: parameter "callback_query_id" is required')
        return True

    def _get_file(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        found = self.files.get(str(params.get("file_id") or ""))
        if found is None:
            raise TelegramError(400, "Bad Request: invalid file_id")
        if found["file_size"] > MAX_FILE:
            raise TelegramError(400, "Bad Request: file is too big")
        return {key: value for key, value in found.items() if key != "content"}

    # --- updates, as Telegram posts them to the webhook -----------------------------------------

    def _next_message_id(self, chat: Any) -> int:
        with self._lock:
            self._message_ids[chat] = self._message_ids.get(chat, 0) + 1
            return self._message_ids[chat]

    def _next_update_id(self) -> int:
        with self._lock:
            self._update_id += 1
            return self._update_id

    def _chat(self, chat: Any) -> dict[str, Any]:
        return {"id": chat, "first_name": self._names.get(chat, "Ana"), "type": "private"}

    def _person_user(self, chat: Any, first_name: str | None = None, language_code: str = "es") -> dict[str, Any]:
        if first_name:
            self._names[chat] = first_name
        name = self._names.get(chat, "Ana")
        return {"id": chat, "is_bot": False, "first_name": name, "language_code": language_code}

    def _message(
        self,
        chat_id: int | str,
        token: str | None,
        first_name: str | None = None,
        language_code: str = "es",
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """The common part of a person's message; writing to the bot means they pressed Start."""
        chat = _chat_key(chat_id)
        for each in self._tokens(token):
            self.start_chat(each, chat)
        return {
            "message_id": message_id if message_id is not None else self._next_message_id(chat),
            "from": self._person_user(chat, first_name, language_code),
            "chat": self._chat(chat),
            "date": int(self.now()),
        }

    def update_text(
        self,
        chat_id: int | str,
        text: str,
        first_name: str = "Ana",
        language_code: str = "es",
        message_id: int | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        message = self._message(chat_id, token, first_name, language_code, message_id)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
        return {"update_id": self._next_update_id(), "message": message}

    def update_voice(
        self,
        chat_id: int | str,
        file_id: str,
        duration: int = 3,
        mime_type: str = "audio/ogg",
        file_size: int | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        known = self.files.get(file_id, {})
        message = self._message(chat_id, token)
        message["voice"] = {
            "duration": duration,
            "mime_type": mime_type,
            "file_id": file_id,
            "file_unique_id": known.get("file_unique_id", "AgAD" + secrets.token_urlsafe(9)),
            "file_size": file_size if file_size is not None else known.get("file_size", 0),
        }
        return {"update_id": self._next_update_id(), "message": message}

    def update_photo(
        self, chat_id: int | str, file_id: str, caption: str | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """A photo arrives as several sizes, the largest last; the smaller ones are copies here."""
        known = self.files.get(file_id)
        sizes = []
        for width, height, suffix in ((90, 67, "s"), (320, 240, "m"), (1280, 960, "")):
            size_id = file_id if not suffix else f"{file_id}-{suffix}"
            if known and size_id not in self.files:
                self.files[size_id] = dict(known, file_id=size_id, file_path=f"{known['file_path']}.{suffix}")
            size = self.files.get(size_id, {}).get("file_size", 1000)
            unique = self.files.get(size_id, {}).get("file_unique_id", "AQAD" + secrets.token_urlsafe(9))
            sizes.append(
                {"file_id": size_id, "file_unique_id": unique, "file_size": size, "width": width, "height": height}
            )
        message = self._message(chat_id, token)
        message["photo"] = sizes
        if caption is not None:
            message["caption"] = caption
        return {"update_id": self._next_update_id(), "message": message}

    def update_edited(self, chat_id: int | str, message_id: int, text: str, token: str | None = None) -> dict[str, Any]:
        message = self._message(chat_id, token, message_id=message_id)
        message["date"] -= 60
        message.update(edit_date=int(self.now()), text=text)
        return {"update_id": self._next_update_id(), "edited_message": message}

    def update_callback(
        self, chat_id: int | str, data: str, message_id: int | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """A press on an inline button under one of the bot's messages (by default its latest in the chat)."""
        chat = _chat_key(chat_id)
        bot_token = token if token is not None else next(iter(self.bots), None)
        sent = self.sent_messages(chat, token=bot_token) if bot_token else []
        original = next((m for m in sent if m["message_id"] == message_id), None) if message_id else None
        if original is None and message_id is None and sent:
            original = sent[-1]
        if original is None:
            bot = self.bots[bot_token]["user"] if bot_token else {"id": 1, "is_bot": True, "first_name": "Bot"}
            original = {
                "message_id": message_id or self._next_message_id(chat),
                "from": bot,
                "chat": self._chat(chat),
                "date": int(self.now()),
                "text": "…",
            }
        for each in self._tokens(token):
            self.start_chat(each, chat)
        query = {
            "id": str(secrets.randbelow(9 * 10**18) + 10**18),
            "from": self._person_user(chat),
            "message": original,
            "chat_instance": str(secrets.randbelow(2**63) - 2**62),
            "data": data,
        }
        return {"update_id": self._next_update_id(), "callback_query": query}

    def update_my_chat_member(self, chat_id: int | str, new_status: str, token: str | None = None) -> dict[str, Any]:
        """In a private chat this arrives only when the person blocks ("kicked") or unblocks ("member") the bot."""
        chat = _chat_key(chat_id)
        for each in self._tokens(token):
            if new_status == "kicked":
                self.block(each, chat)
            elif new_status == "member":
                self.unblock(each, chat)
        bot_token = token if token is not None else next(iter(self.bots), None)
        bot = self.bots[bot_token]["user"] if bot_token else {"id": 1, "is_bot": True, "first_name": "Bot"}
        now = int(self.now())
        old_status = "member" if new_status == "kicked" else "kicked"
        old = {"user": bot, "status": old_status}
        new: dict[str, Any] = {"user": bot, "status": new_status}
        if old_status == "kicked":
            old["until_date"] = 0
        if new_status == "kicked":
            new["until_date"] = 0
        member = {
            "chat": self._chat(chat),
            "from": self._person_user(chat),
            "date": now,
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return {"update_id": self._next_update_id(), "my_chat_member": member}

    def deliver(
        self, token: str, update: dict[str, Any], secret_token: str | None = _REGISTERED, timeout: float = 10.0
    ) -> httpx.Response:
        """POST the update to the bot's webhook as Telegram does, with its secret header (omitted when None)."""
        hook = self.bots[token]["webhook"] if token in self.bots else None
        if not hook:
            raise RuntimeError(f"bot {token!r} has no webhook: the app must call setWebhook first")
        secret = hook["secret_token"] if secret_token is _REGISTERED else secret_token
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        url, host = loopback_target(hook["url"])
        response = self.http.post(
            url, content=json.dumps(update).encode(), headers={**headers, **host}, timeout=timeout
        )
        self.deliveries.append({"token": token, "update": update, "status": response.status_code})
        return response


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local Telegram Bot API for manual trials.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", action="append", default=[], help="a bot token to accept (repeatable)")
    args = parser.parse_args(argv)
    server = TelegramServer(args.host, args.port)
    for token in args.token or ["123456:ABC-test"]:
        server.add_bot(token)
    token = next(iter(server.bots))
    print(f"Telegram Bot API on {server.url}  (set TELEGRAM_API_URL={server.url})")
    print(f"Bots: {', '.join(server.bots)}")
    print("A person writes to the bot (delivered to the webhook the app set with setWebhook):")
    print(
        f"  curl -s {server.url}/_person/send -H 'Content-Type: application/json'"
        f' -d \'{{"token": "{token}", "chat_id": 1001, "text": "Hola"}}\''
    )
    print("What the bot sent that person:")
    print(f"  curl -s '{server.url}/_person/messages?token={token}&chat_id=1001'")
    with contextlib.suppress(KeyboardInterrupt):
        server.thread.join()


if __name__ == "__main__":
    main()
