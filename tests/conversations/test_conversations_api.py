"""The inbox, contacts and widgets over API v1, as a developer on the creator's team uses them."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context

from conversations.models import Contact, Conversation, Message
from knowledge.models import CuratedAnswer
from tests.conversations.live import library_for
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db


def api_for(team, role: str = "coach") -> Client:
    client = Client(**host(team.creator))
    client.defaults.update(bearer(team.member(role), team.creator))
    return client


def ask(api: Client, message: str, email: str = "sam@example.com", conversation: str | None = None) -> dict:
    body = {"message": message, "contact": {"email": email}}
    if conversation:
        body["conversation"] = conversation
    response = api.post("/api/v1/chat", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def library(knowledge, alpha, run_jobs):
    library_for(alpha, run_jobs)
    return alpha


def test_conversations_list_with_counts_and_read_their_messages(library):
    api = api_for(library)
    first = ask(api, "How much protein should I eat each day?")
    listed = api.get("/api/v1/conversations?unread=true").json()["results"]
    assert [c["id"] for c in listed] == [first["conversation"]]
    assert listed[0]["contact"]["email"] == "sam@example.com"
    assert listed[0]["message_count"] == 2 and listed[0]["unread"] == 1
    assert listed[0]["last_message"]["author"] == "ai"
    messages = api.get(f"/api/v1/conversations/{first['conversation']}/messages").json()["results"]
    assert [m["author"] for m in messages] == ["user", "ai"]
    assert messages[1]["citations"][0]["title"] == "Coaching guide"
    only_ai = api.get(f"/api/v1/conversations/{first['conversation']}/messages?author=ai").json()["results"]
    assert [m["id"] for m in only_ai] == [messages[1]["id"]]


def test_takeover_pauses_the_ai_and_hand_back_resumes_it(library):
    api = api_for(library)
    conversation = ask(api, "How many hours of sleep do I need?")["conversation"]
    taken = api.post(f"/api/v1/conversations/{conversation}/takeover")
    assert taken.status_code == 200 and taken.json()["handler"] == "human"
    assert taken.json()["handler_name"] == "coach"
    paused = ask(api, "Are you there?", conversation=conversation)
    assert paused["handler"] == "human" and paused["reply"] is None
    sent = api.post(f"/api/v1/conversations/{conversation}/messages", {"text": "Yes, Ana here."},
                    content_type="application/json")  # fmt: skip
    assert sent.status_code == 201 and sent.json()["author"] == "human"
    back = api.post(f"/api/v1/conversations/{conversation}/hand-back")
    assert back.json()["handler"] == "ai"
    resumed = ask(api, "And coffee?", conversation=conversation)
    assert resumed["reply"]["text"]
    authors = [m["author"] for m in api.get(f"/api/v1/conversations/{conversation}/messages").json()["results"]]
    assert authors == ["user", "ai", "system", "user", "human", "system", "user", "ai"]


def test_a_correction_of_a_reply_becomes_the_pinned_answer(library):
    api = api_for(library)
    first = ask(api, "How much protein should I eat each day?")
    reply_id = first["reply"]["id"]
    url = f"/api/v1/conversations/{first['conversation']}/messages/{reply_id}/feedback"
    rated = api.post(url, {"rating": -1, "correction": "Eat 2 grams per kilo when training hard."},
                     content_type="application/json")  # fmt: skip
    assert rated.status_code == 200 and rated.json()["rating"] == -1
    with tenant_context(library.creator):
        pinned = CuratedAnswer.objects.get()
        assert (pinned.question, pinned.answer) == (
            "How much protein should I eat each day?",
            "Eat 2 grams per kilo when training hard.",
        )
    again = ask(api, "How much protein should I eat each day?")
    assert "2 grams per kilo" in again["reply"]["text"]
    question_id = api.get(f"/api/v1/conversations/{first['conversation']}/messages?author=user").json()["results"][0]
    refused = api.post(url.replace(reply_id, question_id["id"]), {"rating": 1}, content_type="application/json")
    assert refused.status_code == 400


def test_analysts_cannot_read_conversations(alpha):
    assert api_for(alpha, "analyst").get("/api/v1/conversations").status_code == 403


def test_contacts_are_created_edited_tagged_and_deleted(alpha):
    api = api_for(alpha)
    made = api.post("/api/v1/contacts", {"email": "Lee@Example.com", "display_name": "Lee", "tags": ["VIP"]},
                    content_type="application/json")  # fmt: skip
    assert made.status_code == 201, made.content
    contact = made.json()
    assert contact["email"] == "lee@example.com" and contact["tags"] == ["vip"]
    url = f"/api/v1/contacts/{contact['id']}"
    duplicate = api.post("/api/v1/contacts", {"email": "lee@example.com"}, content_type="application/json")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "contact_exists"
    edited = api.patch(url, {"phone": "+34 600 111 222"}, content_type="application/json").json()
    assert edited["phone"] == "+34600111222" and edited["email"] == "lee@example.com"
    tagged = api.post(f"{url}/tags", {"tags": ["program-a", "vip"]}, content_type="application/json").json()
    assert tagged["tags"] == ["vip", "program-a"]
    assert api.delete(f"{url}/tags/vip").json()["tags"] == ["program-a"]
    bad_tag = api.post(f"{url}/tags", {"tags": ["<script>"]}, content_type="application/json")
    assert bad_tag.status_code == 400 and "tags" in bad_tag.json()["error"]["fields"]
    no_identifier = api.patch(url, {"email": "", "phone": ""}, content_type="application/json")
    assert no_identifier.status_code == 400
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def csv_upload(text: str, name: str = "clients.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_a_csv_import_adds_updates_and_reports_bad_lines(alpha):
    api = api_for(alpha)
    api.post("/api/v1/contacts", {"email": "known@example.com"}, content_type="application/json")
    rows = (
        "email,phone,display_name,tags\n"
        "known@example.com,,Known Person,vip\n"
        "new@example.com,+44 7700 900123,New Person,trial;program-a\n"
        "not-an-email,,Broken,\n"
        ",,Nobody,\n"
    )
    report = api.post("/api/v1/contacts/import", {"file": csv_upload(rows)}).json()
    assert report["created"] == 1 and report["updated"] == 1
    assert [e["line"] for e in report["errors"]] == [4, 5]
    with tenant_context(alpha.creator):
        known = Contact.objects.get(email="known@example.com")
        assert known.display_name == "Known Person" and known.tags == ["vip"]
        assert Contact.objects.get(email="new@example.com").tags == ["trial", "program-a"]
    again = api.post("/api/v1/contacts/import", {"file": csv_upload(rows)}).json()
    assert again["created"] == 0 and again["updated"] == 2, "importing the same file twice adds nobody"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,city\nAna,Madrid\n", "must name the columns"),
        (b"\xff\xfe\x00e\x00m", "UTF-8"),
        (b"", "empty"),
    ],
)
def test_an_unusable_import_file_is_refused_with_a_reason(alpha, content, message):
    upload = SimpleUploadedFile("clients.csv", content, content_type="text/csv")
    response = api_for(alpha).post("/api/v1/contacts/import", {"file": upload})
    assert response.status_code == 400
    assert message in json.dumps(response.json()["error"])


def test_widget_settings_are_read_and_changed_with_the_hubs_rules(alpha):
    api = api_for(alpha)
    widget = api.get("/api/v1/widgets").json()["results"][0]
    assert widget["key"].startswith("wk_") and widget["snippet"].startswith("<script src=")
    url = f"/api/v1/widgets/{widget['id']}"
    changed = api.patch(url, {"color": "#FF0000", "allowed_origins": ["https://Coach.Example.com/"]},
                        content_type="application/json")  # fmt: skip
    assert changed.status_code == 200, changed.content
    assert changed.json()["color"] == "#ff0000"
    assert changed.json()["allowed_origins"] == ["https://coach.example.com"]
    refused = api.patch(url, {"color": "red", "allowed_origins": ["javascript:alert(1)"]},
                        content_type="application/json")  # fmt: skip
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"color", "allowed_origins"}
    analyst = api_for(alpha, "analyst")
    assert analyst.patch(url, {"color": "#000000"}, content_type="application/json").status_code == 403


def test_beta_cannot_reach_alphas_conversations_contacts_or_widgets(alpha, beta):
    with tenant_context(alpha.creator):
        contact = Contact.objects.create(email="private@example.com")
        conversation = Conversation.objects.create(contact=contact)
        Message.objects.create(conversation=conversation, author="user", text="secret")
    api = api_for(beta, "owner")
    assert api.get(f"/api/v1/conversations/{conversation.pk}").status_code == 404
    assert api.get(f"/api/v1/conversations/{conversation.pk}/messages").status_code == 404
    assert api.post(f"/api/v1/conversations/{conversation.pk}/takeover").status_code == 404
    assert api.get(f"/api/v1/contacts/{contact.pk}").status_code == 404
    assert api.delete(f"/api/v1/contacts/{contact.pk}").status_code == 404
    assert api.get("/api/v1/contacts?email=private@example.com").json()["results"] == []
    with tenant_context(alpha.creator):
        assert Conversation.objects.get(pk=conversation.pk).handler == "ai"
        assert Contact.objects.filter(pk=contact.pk).exists()


def test_the_team_reads_corrects_and_forgets_what_the_coach_remembers(alpha):
    api = api_for(alpha)
    contact = api.post("/api/v1/contacts", {"email": "mem@example.com"}, content_type="application/json").json()
    url = f"/api/v1/contacts/{contact['id']}/memories"
    goal = api.post(url, {"kind": "goal", "text": "Run a 10k in May"}, content_type="application/json")
    assert goal.status_code == 201 and goal.json()["source"] == "creator"
    again = api.post(url, {"kind": "goal", "text": "Run  a 10k in May"}, content_type="application/json")
    assert again.status_code == 400, "the same fact twice is refused"
    corrected = api.patch(f"{url}/{goal.json()['id']}", {"text": "Run a half marathon in May"},
                          content_type="application/json")  # fmt: skip
    assert corrected.json()["text"] == "Run a half marathon in May" and corrected.json()["kind"] == "goal"
    assert [m["text"] for m in api.get(url).json()] == ["Run a half marathon in May"]
    assert api.delete(f"{url}/{goal.json()['id']}").status_code == 204
    assert api.get(url).json() == []
    bad_kind = api.post(url, {"kind": "secret", "text": "x"}, content_type="application/json")
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["error"]["fields"]


def test_marking_a_conversation_read_clears_its_unread_count(alpha):
    with tenant_context(alpha.creator):
        contact = Contact.objects.create(email="unread@example.com")
        conversation = Conversation.objects.create(contact=contact)
        Message.objects.create(conversation=conversation, author="user", text="hello?")
    api = api_for(alpha)
    assert api.get(f"/api/v1/conversations/{conversation.pk}").json()["unread"] == 1
    read = api.post(f"/api/v1/conversations/{conversation.pk}/read")
    assert read.status_code == 200 and read.json()["unread"] == 0


def test_a_chat_retried_with_its_idempotency_key_is_answered_once(library):
    api = api_for(library)
    body = {"message": "How much protein should I eat each day?", "contact": {"email": "retry@example.com"}}
    first = api.post("/api/v1/chat", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="chat-1")
    retry = api.post("/api/v1/chat", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="chat-1")
    assert first.json() == retry.json() and retry["Idempotent-Replayed"] == "true"
    with tenant_context(library.creator):
        stored = Message.objects.filter(conversation__contact__email="retry@example.com")
        assert sorted(stored.values_list("author", flat=True)) == ["ai", "user"]
    streamed = api.post("/api/v1/chat/stream", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="chat-2")
    assert streamed.status_code == 200 and streamed.streaming
    again = api.post("/api/v1/chat/stream", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="chat-2")
    assert again.status_code == 409 and again.json()["error"]["code"] == "idempotency_streamed"


@pytest.mark.parametrize(
    "origins",
    [
        ["https://a.test;script-src *"],
        ["https://a.test script-src *"],
        ["https://a.test\nhttps://b.test"],
        ["https://a.test,https://b.test"],
        ["https://a.test/page"],
        ["https://user@a.test"],
        ["https://a.test:99999"],
        ["https://a.test:0"],
    ],
)
def test_widget_origins_over_the_api_are_bare_origins(alpha, origins):
    api = api_for(alpha)
    widget = api.get("/api/v1/widgets").json()["results"][0]
    refused = api.patch(
        f"/api/v1/widgets/{widget['id']}", {"allowed_origins": origins}, content_type="application/json"
    )
    assert refused.status_code == 400, refused.content
    assert list(refused.json()["error"]["fields"]) == ["allowed_origins"]
    assert api.get(f"/api/v1/widgets/{widget['id']}").json()["allowed_origins"] == []


def test_a_nul_in_an_imported_csv_is_reported_and_the_good_lines_are_kept(alpha):
    rows = (
        "email,external_id,display_name\n"
        "first@example.com,,First\n"
        "second@example.com,crm-\x002,Second\n"
        "third@example.com,,Thi\x00rd\n"
        "fourth@example.com,,Fourth\n"
    )
    response = api_for(alpha).post("/api/v1/contacts/import", {"file": csv_upload(rows)})
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["created"] == 2
    assert [e["line"] for e in report["errors"]] == [3, 4]
    assert all("NUL" in e["message"] for e in report["errors"])
    with tenant_context(alpha.creator):
        assert sorted(Contact.objects.values_list("email", flat=True)) == ["first@example.com", "fourth@example.com"]
