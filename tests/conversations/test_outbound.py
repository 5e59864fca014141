"""The one outbound verb: what the team (and soon check-ins and nudges) sends a person is stored,
delivered through an outlet that reaches them, with a delivery state and an idempotency key."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.models import Event
from conversations import outlets, services
from conversations.models import Conversation, Delivery, Message
from conversations.outlets.base import Capabilities, Outlet
from tests.conversations.live import Socket, client_id, widget_for
from tests.factories import ContactFactory, ConversationFactory
from tests.servers.push import Browser, PushService

SITE = "http://coach-site.example"


class BrokenOutlet(Outlet):
    """An outlet whose remote service is down (the WhatsApp and Telegram outlets will have such days)."""

    name = "broken"
    capabilities = Capabilities(reaches_proactively=True)

    def deliver(self, delivery, message):
        raise ConnectionError("the platform did not answer")


outlet = BrokenOutlet()


@pytest.fixture
def broken_outlet(settings):
    settings.CONVERSATION_OUTLETS = [*settings.CONVERSATION_OUTLETS, "tests.conversations.test_outbound"]
    outlets._registry.cache_clear()
    yield
    outlets._registry.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_a_takeover_reply_reaches_the_widget_and_the_phone_through_the_outbound_verb(
    alpha, settings, tmp_path, run_jobs
):
    settings.VAPID_PRIVATE_KEY_FILE = tmp_path / "vapid.pem"
    service = PushService()
    settings.WEBPUSH_ALLOWED_PRIVATE_HOSTS = [service.host]
    widget = widget_for(alpha.creator)

    async def scenario() -> dict:
        socket = Socket(alpha.creator, f"/ws/chat/{widget.key}/", origin=SITE)
        assert await socket.open()
        await socket.hello()
        await socket.send({"type": "message", "text": "Can a person check my plan?", "client_id": client_id()})
        frames = await socket.receive_until("message")
        conversation_id = frames[0]["conversation"]

        @database_sync_to_async
        def coach_writes() -> Message:
            with tenant_context(alpha.creator):
                conversation = Conversation.objects.get(pk=conversation_id)
                services.push_subscribe(contact=conversation.contact, subscription=Browser(service).subscription)
                return services.member_message_send(conversation=conversation, member=alpha.coach, text="On it!")

        sent = await coach_writes()
        while (frame := await socket.receive())["type"] != "message":
            pass
        await socket.close()
        return {"frame": frame, "sent": sent}

    try:
        with run_jobs() as jobs:
            result = async_to_sync(scenario)()
        assert jobs == ["conversations.tasks.push_to_contact"]
        assert result["frame"]["message"]["text"] == "On it!"
        assert result["frame"]["message"]["author"] == "human"
        with tenant_context(alpha.creator):
            delivery = Delivery.objects.get(message=result["sent"])
            assert (delivery.outlet, delivery.status) == ("web", "sent")
        assert len(service.received) == 1, "the person's phone got the message too"
    finally:
        service.stop()


@pytest.mark.django_db
def test_the_same_idempotency_key_twice_is_one_message(alpha):
    with tenant_context(alpha.creator):
        conversation = ConversationFactory(outlet="app")
        first = services.message_send(
            contact=conversation.contact, text="Time for your check-in!", idempotency_key="checkin:42:day-3"
        )
        again = services.message_send(
            contact=conversation.contact, text="Time for your check-in!", idempotency_key="checkin:42:day-3"
        )
        assert first.pk == again.pk
        assert conversation.messages.count() == 1
        assert Delivery.objects.filter(idempotency_key="checkin:42:day-3").count() == 1


@pytest.mark.django_db
def test_the_coach_never_writes_first_to_someone_who_opted_out_or_cannot_be_reached(alpha):
    with tenant_context(alpha.creator):
        quiet = ConversationFactory(outlet="app", contact=ContactFactory(opted_out_at=timezone.now()))
        with pytest.raises(services.Unreachable):
            services.message_send(contact=quiet.contact, text="How did you sleep?", proactive=True)
        # Known only by the creator's own id through the API: no outlet the coach can start from.
        api_only = ConversationFactory(outlet="api", contact=ContactFactory(email=None, external_id="crm-7"))
        with pytest.raises(services.Unreachable):
            services.message_send(contact=api_only.contact, text="How did you sleep?", proactive=True)
        assert not Message.objects.filter(conversation__in=[quiet, api_only]).exists()


@pytest.mark.django_db
def test_a_failed_delivery_keeps_the_message_and_says_why(alpha, broken_outlet, django_capture_on_commit_callbacks):
    with tenant_context(alpha.creator):
        conversation = ConversationFactory(outlet="broken")
        with django_capture_on_commit_callbacks(execute=True):
            message = services.message_send(contact=conversation.contact, text="Your reminder", proactive=True)
        delivery = Delivery.objects.get(message=message)
        assert (delivery.status, delivery.reason, delivery.attempts) == ("failed", "ConnectionError", 1)
        assert Event.objects.filter(kind="delivery_failed", subject_id=message.pk).count() == 1
        assert Message.objects.filter(pk=message.pk).exists()


@pytest.mark.django_db
def test_a_failing_send_leaves_neither_message_nor_event(alpha, monkeypatch):
    with tenant_context(alpha.creator):
        conversation = ConversationFactory(outlet="app")
        before = Event.objects.filter(kind="message_out").count()

        def refuse(*args, **kwargs):
            raise RuntimeError("the database went away mid-send")

        monkeypatch.setattr("conversations.services.delivery.events_record", refuse)
        with pytest.raises(RuntimeError):
            services.message_send(contact=conversation.contact, text="Hello")
        assert not conversation.messages.exists()
        assert Event.objects.filter(kind="message_out").count() == before
