"""The local Telegram, WhatsApp and transcription servers answer like the real services."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.servers.telegram import TelegramServer
from tests.servers.transcription import TranscriptionServer
from tests.servers.whatsapp import WhatsAppServer, batch, sign, signed

TOKEN = "123456:ABC-test"
PNID = "100000000000001"
WA_TOKEN = "EAAtest"


class Receiver:
    """A stand-in app webhook: records what it is sent; answers the WhatsApp handshake."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append({"headers": headers, "body": body})
                receiver.event.set()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                ok = query.get("hub.verify_token") == ["verify-me"] and query.get("hub.mode") == ["subscribe"]
                body = query["hub.challenge"][0].encode() if ok else b""
                self.send_response(200 if ok else 403)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def http():
    """One client for the whole module: making one per request costs tens of milliseconds."""
    with httpx.Client(trust_env=False) as client:
        yield client


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def telegram():
    server = TelegramServer()
    server.add_bot(TOKEN)
    yield server
    server.stop()


@pytest.fixture
def whatsapp():
    server = WhatsAppServer()
    server.add_number(PNID, WA_TOKEN)
    yield server
    server.stop()


# --- Telegram ---------------------------------------------------------------------------------


def test_telegram_auth_methods_and_param_encodings(telegram, http):
    api = f"{telegram.url}/bot{TOKEN}"
    me = http.get(f"{api}/getMe").json()
    assert me["ok"] and me["result"]["is_bot"] and me["result"]["id"] == 123456
    assert me["result"]["username"] == "coach_bot"
    bad = http.post(f"{telegram.url}/bot999:nope/getMe")
    assert bad.status_code == 401
    assert bad.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    missing = http.post(f"{api}/sendPigeon")
    assert missing.status_code == 404 and missing.json()["description"] == "Not Found"

    telegram.start_chat(TOKEN, 42)
    sent = [
        http.post(f"{api}/sendMessage", json={"chat_id": 42, "text": "json"}),
        http.post(f"{api}/sendMessage", data={"chat_id": "42", "text": "form"}),
        http.post(f"{api}/sendMessage", files={"chat_id": (None, "42"), "text": (None, "multipart")}),
        http.get(f"{api}/sendMessage", params={"chat_id": 42, "text": "query"}),
    ]
    assert [r.status_code for r in sent] == [200] * 4
    results = [r.json()["result"] for r in sent]
    assert [m["message_id"] for m in results] == [1, 2, 3, 4]
    assert results[0]["chat"] == {"id": 42, "first_name": "Ana", "type": "private"}
    assert results[0]["from"]["is_bot"] and isinstance(results[0]["date"], int)
    assert telegram.sent_texts(42) == ["json", "form", "multipart", "query"]
    assert len(telegram.calls_of("sendMessage", token=TOKEN)) == 4
    assert telegram.calls[-1] == {"token": TOKEN, "method": "sendMessage", "params": {"chat_id": "42", "text": "query"}}


def test_telegram_send_errors_people_and_faults(telegram, http):
    api = f"{telegram.url}/bot{TOKEN}"

    def send(chat: int, text: str) -> httpx.Response:
        return http.post(f"{api}/sendMessage", json={"chat_id": chat, "text": text})

    never = send(7, "hi")
    assert never.status_code == 403
    assert never.json()["description"] == "Forbidden: bot can't initiate conversation with a user"
    telegram.update_text(7, "hola", token=TOKEN)  # writing means Start was pressed
    assert send(7, "hi").status_code == 200
    assert send(7, " ").json()["description"] == "Bad Request: message text is empty"
    too_long = send(7, "x" * 4097)
    assert too_long.status_code == 400 and too_long.json()["description"] == "Bad Request: message is too long"
    telegram.update_my_chat_member(7, "kicked")
    blocked = send(7, "hi")
    assert blocked.status_code == 403 and blocked.json()["description"] == "Forbidden: bot was blocked by the user"
    telegram.update_my_chat_member(7, "member")
    assert send(7, "back").status_code == 200

    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5, times=2)
    for _ in range(2):
        limited = send(7, "x")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "5"
        assert limited.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        }
    assert send(7, "after").status_code == 200

    telegram.per_chat_interval = 60
    assert send(7, "a").status_code == 429
    assert send(7, "a").json()["parameters"] == {"retry_after": 1}
    assert telegram.sent_texts(7) == ["hi", "back", "after"]

    assert http.post(f"{api}/sendChatAction", json={"chat_id": 7, "action": "typing"}).json()["result"] is True
    assert http.post(f"{api}/answerCallbackQuery", json={}).status_code == 400
    assert http.post(f"{api}/answerCallbackQuery", json={"callback_query_id": "1"}).json()["result"] is True


def test_telegram_webhook_delivery_and_updates(telegram, receiver, http):
    api = f"{telegram.url}/bot{TOKEN}"
    with pytest.raises(RuntimeError, match="setWebhook"):
        telegram.deliver(TOKEN, telegram.update_text(5, "hola"))
    bad = http.post(f"{api}/setWebhook", json={"url": receiver.url, "secret_token": "no spaces!"})
    assert bad.status_code == 400
    assert bad.json()["description"] == "Bad Request: secret token contains unallowed characters"
    ok = http.post(
        f"{api}/setWebhook", data={"url": receiver.url, "secret_token": "s3cr-et_", "allowed_updates": '["message"]'}
    )
    assert ok.json() == {"ok": True, "result": True, "description": "Webhook was set"}
    info = http.get(f"{api}/getWebhookInfo").json()["result"]
    assert info["url"] == receiver.url and info["allowed_updates"] == ["message"]

    update = telegram.update_text(5, "hola", first_name="Eva", language_code="en")
    assert 100_000_000 <= update["update_id"] < 10**10
    message = update["message"]
    assert message["from"] == {"id": 5, "is_bot": False, "first_name": "Eva", "language_code": "en"}
    assert message["chat"] == {"id": 5, "first_name": "Eva", "type": "private"}
    assert telegram.deliver(TOKEN, update).status_code == 200
    assert telegram.deliver(TOKEN, update, secret_token=None).status_code == 200
    first, second = receiver.received
    assert json.loads(first["body"]) == update
    assert first["headers"]["x-telegram-bot-api-secret-token"] == "s3cr-et_"
    assert "x-telegram-bot-api-secret-token" not in second["headers"]

    # A person through the control endpoint, and what the bot sent them.
    person = http.post(f"{telegram.url}/_person/send", json={"token": TOKEN, "chat_id": 9, "text": "hey"})
    assert person.json()["status"] == 200 and json.loads(receiver.received[-1]["body"])["message"]["text"] == "hey"
    http.post(f"{api}/sendMessage", json={"chat_id": 9, "text": "hello back"})
    seen = http.get(f"{telegram.url}/_person/messages", params={"token": TOKEN, "chat_id": 9}).json()
    assert seen["texts"] == ["hello back"]

    file_id = telegram.add_file(b"OggS voice", "voice/file_1.oga")
    voice = telegram.update_voice(5, file_id)["message"]["voice"]
    assert voice["file_size"] == 10 and voice["mime_type"] == "audio/ogg" and voice["duration"] == 3
    got = http.post(f"{api}/getFile", json={"file_id": file_id}).json()["result"]
    assert got["file_path"] == "voice/file_1.oga" and got["file_size"] == 10
    assert http.get(f"{telegram.url}/file/bot{TOKEN}/{got['file_path']}").content == b"OggS voice"
    assert (
        http.get(f"{api}/getFile", params={"file_id": "nope"}).json()["description"] == "Bad Request: invalid file_id"
    )
    big = telegram.add_file(b"x", "voice/big.oga", file_size=21 * 1024 * 1024)
    assert http.get(f"{api}/getFile", params={"file_id": big}).json()["description"] == "Bad Request: file is too big"

    photo = telegram.update_photo(5, file_id, caption="look")["message"]
    assert photo["caption"] == "look" and photo["photo"][-1]["file_id"] == file_id and len(photo["photo"]) == 3
    edited = telegram.update_edited(5, message["message_id"], "hola!")["edited_message"]
    assert edited["message_id"] == message["message_id"] and edited["edit_date"] >= edited["date"]
    callback = telegram.update_callback(9, "yes")["callback_query"]
    assert callback["data"] == "yes" and callback["message"]["text"] == "hello back"
    assert {"id", "from", "message", "chat_instance", "data"} <= set(callback)
    member = telegram.update_my_chat_member(9, "kicked")["my_chat_member"]
    assert member["new_chat_member"]["status"] == "kicked" and member["old_chat_member"]["status"] == "member"
    assert member["new_chat_member"]["user"]["is_bot"]
    assert http.post(f"{api}/deleteWebhook").json()["description"] == "Webhook was deleted"


# --- WhatsApp ---------------------------------------------------------------------------------


def test_whatsapp_sends_auth_validation_and_faults(whatsapp, http):
    url = f"{whatsapp.url}/v21.0/{PNID}/messages"
    auth = {"Authorization": f"Bearer {WA_TOKEN}"}

    def send(body: dict[str, Any], headers: dict[str, str] = auth) -> httpx.Response:
        return http.post(url, json=body, headers=headers)

    text = {"messaging_product": "whatsapp", "to": "+34 611 111 111", "type": "text", "text": {"body": "hola"}}
    unauth = send(text, {})
    assert unauth.status_code == 401 and unauth.json()["error"]["code"] == 190
    assert unauth.json()["error"]["type"] == "OAuthException" and "fbtrace_id" in unauth.json()["error"]
    unknown = http.post(f"{whatsapp.url}/v21.0/999/messages", json=text, headers=auth)
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 100
    assert send(dict(text, messaging_product="sms")).status_code == 400
    too_long = send(dict(text, text={"body": "x" * 4097}))
    assert too_long.json()["error"]["message"].endswith("Param text['body'] must be at most 4096 characters long")

    whatsapp.open_window(PNID, "34611111111")
    ok = send(text)
    assert ok.status_code == 200
    answer = ok.json()
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": "+34 611 111 111", "wa_id": "34611111111"}]
    assert answer["messages"][0]["id"].startswith("wamid.")
    user = "US.13491208655302741918"
    whatsapp.open_window(PNID, user)
    by_user = send({"messaging_product": "whatsapp", "recipient": user, "type": "text", "text": {"body": "hi"}})
    assert by_user.status_code == 200 and by_user.json()["contacts"][0]["user_id"] == user

    template = {"name": "checkin", "language": {"code": "es"}, "components": []}
    missing = send({"messaging_product": "whatsapp", "to": "34622", "type": "template", "template": template})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == 132001
    whatsapp.add_template(PNID, "checkin", "es")
    assert send({"messaging_product": "whatsapp", "to": "34622", "type": "template", "template": template}).is_success

    receipt = {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.X",
        "typing_indicator": {"type": "text"},
    }
    whatsapp.fail_next(429, 130429, "Rate limit hit", times=2, retry_after=3)
    assert send(receipt).json() == {"success": True}  # faults hit sends, not read receipts
    for _ in range(2):
        limited = send(text)
        error = limited.json()["error"]
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
        assert error["code"] == 130429 and error["message"] == "(#130429) Rate limit hit"
        assert error["error_data"]["messaging_product"] == "whatsapp"
    assert send(text).is_success
    assert [m["text"]["body"] for m in whatsapp.sent_messages(PNID) if m["type"] == "text"] == ["hola", "hi", "hola"]
    assert whatsapp.sent_texts(to="34611111111") == ["hola", "hola"]
    assert whatsapp.read_receipts() == [receipt]
    assert whatsapp.requests[0]["headers"].get("authorization") is None


def test_whatsapp_window_statuses_and_webhooks(whatsapp, receiver, http):
    url = f"{whatsapp.url}/v21.0/{PNID}/messages"
    auth = {"Authorization": f"Bearer {WA_TOKEN}"}
    text = {"messaging_product": "whatsapp", "to": "34611111111", "type": "text", "text": {"body": "late"}}
    clock = [1_800_000_000.0]
    whatsapp.now = lambda: clock[0]

    whatsapp.window_failure_mode = "sync"
    closed = http.post(url, json=text, headers=auth)
    assert closed.status_code == 400 and closed.json()["error"]["code"] == 131047
    whatsapp.window_failure_mode = "async"
    accepted = http.post(url, json=text, headers=auth)
    assert accepted.status_code == 200
    (failed,) = whatsapp.pending_statuses
    status = failed["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["status"] == "failed" and status["id"] == accepted.json()["messages"][0]["id"]
    assert status["errors"][0]["code"] == 131047 and status["recipient_id"] == "34611111111"

    # The person writes (signed, to the app's webhook): the window opens, and closes 24 h later.
    whatsapp.configure_webhook(PNID, receiver.url, "app-secret")
    assert whatsapp.deliver_statuses()[0].status_code == 200 and not whatsapp.pending_statuses
    assert whatsapp.person_sends(PNID, "34611111111", "hola", name="Eva").status_code == 200
    posted = receiver.received[-1]
    expected = "sha256=" + hmac.new(b"app-secret", posted["body"], hashlib.sha256).hexdigest()
    assert posted["headers"]["x-hub-signature-256"] == expected
    body = json.loads(posted["body"])
    value = body["entry"][0]["changes"][0]["value"]
    assert body["object"] == "whatsapp_business_account" and body["entry"][0]["changes"][0]["field"] == "messages"
    assert value["metadata"] == {"display_phone_number": "34600000000", "phone_number_id": PNID}
    assert value["contacts"] == [{"profile": {"name": "Eva"}, "wa_id": "34611111111"}]
    assert value["messages"][0]["from"] == "34611111111" and value["messages"][0]["text"] == {"body": "hola"}
    assert value["messages"][0]["timestamp"] == "1800000000"
    assert http.post(url, json=text, headers=auth).is_success and not whatsapp.pending_statuses
    clock[0] += 24 * 3600 + 1
    receiver.event.clear()
    http.post(url, json=text, headers=auth)
    assert receiver.event.wait(2)  # the failed status is posted, signed, after the send was answered
    assert json.loads(receiver.received[-1]["body"])["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == (
        "failed"
    )

    assert whatsapp.handshake(receiver.url, "verify-me", client=http).text == "1158201444"
    assert whatsapp.handshake(receiver.url, "wrong", client=http).status_code == 403


def test_whatsapp_payload_builders_and_media(whatsapp, http):
    no_phone = whatsapp.message_payload(PNID, "US.abc123", "hi", without_wa_id=True)
    value = no_phone["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Ana"}, "user_id": "US.abc123"}]
    assert "from" not in value["messages"][0] and value["messages"][0]["from_user_id"] == "US.abc123"
    assert whatsapp.window_open(PNID, "US.abc123")
    both = whatsapp.message_payload(PNID, "34611", "hi", user_id="ES.xyz")["entry"][0]["changes"][0]["value"]
    assert both["contacts"][0] == {"profile": {"name": "Ana"}, "wa_id": "34611", "user_id": "ES.xyz"}

    media_id = whatsapp.add_media(b"OggS voice", "audio/ogg")
    audio = whatsapp.audio_payload(PNID, "34611", media_id)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert audio["type"] == "audio" and audio["audio"]["id"] == media_id and audio["audio"]["voice"] is True
    image = whatsapp.image_payload(PNID, "34611", media_id, caption="mira")["entry"][0]["changes"][0]["value"]
    assert image["messages"][0]["image"]["caption"] == "mira"
    status = whatsapp.status_payload(PNID, "wamid.A", "delivered", "34611")["entry"][0]["changes"][0]["value"]
    assert status["statuses"][0]["pricing"]["category"] == "service" and "conversation" in status["statuses"][0]

    merged = batch(whatsapp.message_payload(PNID, "1", "a"), whatsapp.status_payload(PNID, "wamid.B", "read", "1"))
    assert len(merged["entry"]) == 1 and len(merged["entry"][0]["changes"]) == 2
    body, headers = signed(merged, "s")
    assert json.loads(body) == merged and headers["X-Hub-Signature-256"] == sign(body, "s")

    auth = {"Authorization": f"Bearer {WA_TOKEN}"}
    info = http.get(f"{whatsapp.url}/v21.0/{media_id}", headers=auth).json()
    assert info["id"] == media_id and info["mime_type"] == "audio/ogg" and info["file_size"] == 10
    assert info["sha256"] == hashlib.sha256(b"OggS voice").hexdigest()
    assert http.get(info["url"]).status_code == 401
    assert http.get(info["url"], headers=auth).content == b"OggS voice"
    real_now = whatsapp.now()
    whatsapp.now = lambda: real_now + 301
    assert http.get(info["url"], headers=auth).status_code == 404


# --- Transcription ----------------------------------------------------------------------------


def test_transcription_server(http):
    server = TranscriptionServer(api_key="sk-local")
    try:
        url = f"{server.url}/v1/audio/transcriptions"
        auth = {"Authorization": "Bearer sk-local"}
        audio = bytes(range(256)) * 4 + b"\r\n\r\n--\r\n"
        server.transcripts[audio] = "quiero correr el lunes"
        files = {"file": ("voice.ogg", audio, "audio/ogg")}
        data = {"model": "whisper-1", "language": "es"}
        denied = http.post(url, files=files, data=data)
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "invalid_api_key"
        assert http.post(url, files=files, data=data, headers=auth).json() == {"text": "quiero correr el lunes"}
        assert server.received[-1]["file"] == audio and server.received[-1]["fields"]["language"] == "es"
        plain = http.post(url, files=files, data=dict(data, response_format="text"), headers=auth)
        assert plain.text.strip() == "quiero correr el lunes"
        verbose = http.post(url, files=files, data=dict(data, response_format="verbose_json"), headers=auth).json()
        assert verbose["language"] == "spanish" and verbose["segments"][0]["text"].strip() == verbose["text"]
        other = http.post(url, files={"file": ("a.ogg", b"12345")}, data=data, headers=auth)
        assert other.json() == {"text": "audio of 5 bytes"}
        missing = http.post(url, files={"model": (None, "whisper-1")}, headers=auth)
        assert missing.status_code == 400 and missing.json()["error"]["param"] == "file"
        server.fail_next(503, times=2)
        assert [http.post(url, files=files, data=data, headers=auth).status_code for _ in range(3)] == [503, 503, 200]
    finally:
        server.stop()
