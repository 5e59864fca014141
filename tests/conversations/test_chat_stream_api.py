"""POST /api/v1/chat/stream: the reply arrives as server-sent events while the coach writes it."""

from __future__ import annotations

import json

import httpx
import pytest
from django_tenants.utils import tenant_context

from conversations.models import Message
from tests.conversations.live import library_for
from tests.factories import bearer

pytestmark = pytest.mark.django_db(transaction=True)


def events_of(response: httpx.Response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
    return events


def test_the_reply_streams_token_by_token_then_arrives_whole_with_citations(
    alpha, knowledge, run_jobs, ollama, asgi_server
):
    library_for(alpha, run_jobs)
    knowledge.OLLAMA_BASE_URL = ollama.url  # a local server speaking Ollama's streaming protocol
    headers = {"Host": f"{alpha.creator.hostname}:{asgi_server}", **{
        "Authorization": bearer(alpha.coach, alpha.creator)["HTTP_AUTHORIZATION"]}}  # fmt: skip
    body = {"message": "How much protein should I eat each day?", "contact": {"external_id": "stream-1"}}
    with httpx.stream("POST", f"http://127.0.0.1:{asgi_server}/api/v1/chat/stream", json=body, headers=headers,
                      timeout=30) as response:  # fmt: skip
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = events_of(response)
    names = [name for name, _ in events]
    assert names[0] == "conversation" and names[-1] == "done"
    tokens = [data["text"] for name, data in events if name == "token"]
    assert len(tokens) > 3, "the reply came in pieces, not at once"
    reply = events[-1][1]["reply"]
    assert "".join(tokens).strip() == reply["text"].strip()
    assert reply["citations"][0]["title"] == "Coaching guide"
    assert reply["grounded"] is True and reply["language"] == "en", "the same reply as POST /chat gives"
    with tenant_context(alpha.creator):
        stored = Message.objects.get(pk=reply["id"])
        assert str(stored.conversation_id) == events[0][1]["id"]
        assert stored.in_reply_to.text == body["message"]


def test_a_taken_over_conversation_streams_no_ai_reply(alpha, knowledge, asgi_server):
    from conversations.models import Contact, Conversation

    with tenant_context(alpha.creator):
        contact = Contact.objects.create(external_id="stream-2")
        conversation = Conversation.objects.create(contact=contact, handler="human", handler_name="Ana")
    headers = {"Host": f"{alpha.creator.hostname}:{asgi_server}", **{
        "Authorization": bearer(alpha.coach, alpha.creator)["HTTP_AUTHORIZATION"]}}  # fmt: skip
    body = {"message": "Hello?", "contact": {"external_id": "stream-2"}, "conversation": str(conversation.pk)}
    with httpx.stream("POST", f"http://127.0.0.1:{asgi_server}/api/v1/chat/stream", json=body, headers=headers,
                      timeout=30) as response:  # fmt: skip
        events = events_of(response)
    assert events == [("conversation", {"id": str(conversation.pk), "handler": "human"}), ("done", {"reply": None})]
    with tenant_context(alpha.creator):
        assert list(conversation.messages.values_list("author", flat=True)) == ["user"]


def test_the_stream_also_works_where_django_runs_synchronously(alpha, knowledge, run_jobs):
    """Under WSGI (gunicorn, the test client) the same events arrive, with no sync/async warning."""
    import warnings

    from django.test import Client

    from tests.factories import host

    library_for(alpha, run_jobs)
    body = {"message": "How much protein should I eat each day?", "contact": {"external_id": "stream-wsgi"}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = Client(**host(alpha.creator)).post(
            "/api/v1/chat/stream", body, content_type="application/json", **bearer(alpha.coach, alpha.creator)
        )
        text = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    names = [line.removeprefix("event: ") for line in text.splitlines() if line.startswith("event: ")]
    assert names[0] == "conversation" and names[-1] == "done" and "token" in names
    assert "1.6 grams" in text
    assert not [w for w in caught if "StreamingHttpResponse" in str(w.message)]
