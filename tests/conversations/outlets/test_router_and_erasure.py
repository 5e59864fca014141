"""The one router for messages the coach starts, email as its last resort, raw deliveries kept for
days then deleted, and a person's outlet data erased with them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.models import Event
from conversations import services
from conversations.models import ConsentRecord, ContactIdentity, Delivery, MessageMedia, RawDelivery
from conversations.services.inbound import raw_deliveries_purge
from tests.conversations.outlets.conftest import PHONE_NUMBER_ID
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
ANA = "34600111222"


def test_email_is_the_last_resort_and_says_why_the_others_were_passed_over(
    alpha, whatsapp, number, platform_for, jobs, committed
):
    platform_for(alpha.creator).whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    jobs()
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(hours=30), tick=False), tenant_context(alpha.creator):
        identity = ContactIdentity.objects.get(outlet="whatsapp")
        ContactIdentity.objects.create(
            contact=identity.contact, outlet="email", address="ana@example.org", verified=True
        )
        with committed():
            message = services.message_send(contact=identity.contact, text="¿Cómo va la semana?", proactive=True)
    jobs()
    with tenant_context(alpha.creator):
        delivery = Delivery.objects.get(message=message)
        assert delivery.outlet == "email" and delivery.status == "sent"
        assert "whatsapp: WhatsApp's 24-hour window is closed" in delivery.reason
        event = Event.objects.get(kind="delivery_rerouted", subject_id=message.pk)
        assert event.data == {"passed_over": ["whatsapp"]}
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert mail.outbox[0].body == "¿Cómo va la semana?"


def test_a_stop_on_one_outlet_is_not_bypassed_by_email(alpha, telegram, bot, platform_for, jobs, committed):
    platform_for(alpha.creator).telegram(bot, telegram.update_text(5550001, "STOP"))
    jobs()
    with tenant_context(alpha.creator):
        contact = ContactIdentity.objects.get(outlet="telegram").contact
        ContactIdentity.objects.create(contact=contact, outlet="email", address="ana@example.org", verified=True)
        with pytest.raises(services.Unreachable) as refused:
            services.message_send(contact=contact, text="¿Check-in?", proactive=True)
        assert "telegram: the person opted out here" in str(refused.value)
        assert "email: the person opted out on another outlet" in str(refused.value)
        assert ConsentRecord.objects.filter(contact=contact, action="opted_out", outlet="telegram").count() == 1


def test_raw_deliveries_are_kept_for_the_retention_days_then_deleted(
    alpha, telegram, bot, platform_for, jobs, settings
):
    settings.RAW_DELIVERY_RETENTION_DAYS = 7
    platform_for(alpha.creator).telegram(bot, telegram.update_text(5550001, "hola"))
    jobs()
    with tenant_context(alpha.creator):
        with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
            assert raw_deliveries_purge() == 0
        with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
            assert raw_deliveries_purge() == 1
        assert not RawDelivery.objects.exists()


def test_erasing_a_person_erases_their_raw_deliveries_media_and_consent_but_not_others(
    alpha, telegram, bot, platform_for, jobs, committed
):
    voice = telegram.add_file(b"OggS-private-voice", "voice/file_9.oga")
    platform = platform_for(alpha.creator)
    platform.telegram(bot, telegram.update_voice(5550001, voice))
    platform.telegram(bot, telegram.update_text(5550002, "Soy otra persona"))
    jobs()
    with tenant_context(alpha.creator):
        ana = ContactIdentity.objects.get(address="5550001").contact
        media = MessageMedia.objects.get()
        stored = media.file.name
        assert default_storage.exists(stored)
        with committed():
            services.contact_delete(contact=ana)
        assert not default_storage.exists(stored)
        assert not RawDelivery.objects.filter(contact_ids__contains=[ana.pk]).exists()
        assert not ConsentRecord.objects.filter(contact_id=ana.pk).exists()
        assert not ContactIdentity.objects.filter(contact_id=ana.pk).exists()
        assert RawDelivery.objects.count() == 1  # the other person's message stays


def test_the_router_prefers_what_the_person_prefers(
    alpha, telegram, whatsapp, bot, number, platform_for, jobs, committed
):
    platform = platform_for(alpha.creator)
    platform.telegram(bot, telegram.update_text(5550001, "hola"))
    jobs()
    with tenant_context(alpha.creator):
        contact = ContactIdentity.objects.get(outlet="telegram").contact
        ContactIdentity.objects.create(
            contact=contact,
            outlet="whatsapp",
            address=ANA,
            messaging_outlet=number,
            verified=True,
            last_inbound_at=timezone.now(),
        )
        contact.preferred_outlet = "whatsapp"
        contact.save(update_fields=["preferred_outlet"])
        with committed():
            message = services.message_send(contact=contact, text="Buenos días", proactive=True)
    jobs()
    with tenant_context(alpha.creator):
        assert Delivery.objects.get(message=message).outlet == "whatsapp"
    assert whatsapp.sent_texts(PHONE_NUMBER_ID, to=ANA) == ["Buenos días"]


def test_a_contact_with_no_way_to_be_reached_is_refused_with_every_reason(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory(email=None, external_id="crm-1")
        with pytest.raises(services.Unreachable) as refused:
            services.message_send(contact=contact, text="Hola", proactive=True)
        assert "telegram: no identity there" in str(refused.value)
        assert "email: no identity there" in str(refused.value)
