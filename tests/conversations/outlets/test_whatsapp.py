"""WhatsApp: a person writes to the creator's number and the coach answers there, against a local
server speaking the Cloud API (signed webhooks, batches, statuses, the 24-hour window, error codes)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import tenant_context

from conversations import services
from conversations.models import ContactIdentity, Conversation, Delivery, Message, MessageMedia, RawDelivery
from tests.conversations.outlets.conftest import BOT_TOKEN, PHONE_NUMBER_ID, VERIFY_TOKEN
from tests.servers.whatsapp import batch

pytestmark = pytest.mark.django_db
ANA = "34600111222"
LUIS = "5215512345678"


def test_the_subscription_handshake_echoes_the_challenge_only_for_the_right_token(alpha, number):
    from tests.conftest import client_for

    client = client_for(alpha.creator)
    url = f"/hooks/whatsapp/{number.pk}"
    ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.content, ok["Content-Type"]) == (200, b"1158201444", "text/plain")
    wrong = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403


def test_a_person_writes_and_the_coach_answers_with_a_read_receipt_and_typing(
    alpha, whatsapp, number, platform_for, jobs
):
    payload = whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola, ¿cuánta agua bebo al despertar?", name="Ana")
    assert platform_for(alpha.creator).whatsapp(number, payload).status_code == 200
    jobs()
    receipt = whatsapp.read_receipts()[0]
    assert receipt["message_id"] == payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert receipt["typing_indicator"] == {"type": "text"}
    sent = whatsapp.sent_messages(PHONE_NUMBER_ID)
    assert len(sent) == 1 and sent[0]["to"] == ANA and sent[0]["type"] == "text"
    with tenant_context(alpha.creator):
        conversation = Conversation.objects.get(outlet="whatsapp")
        assert conversation.contact.display_name == "Ana"
        assert conversation.messaging_outlet_id == number.pk
        delivery = Delivery.objects.get(message__author="ai")
        assert delivery.status == "sent" and delivery.outlet_message_id.startswith("wamid.")


def test_every_post_must_carry_the_signature_of_its_exact_bytes(alpha, whatsapp, number, platform_for, jobs):
    payload = whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola")
    platform = platform_for(alpha.creator)

    def one_byte_changed(body: bytes) -> bytes:
        return body.replace(b"Hola", b"Hole")

    assert platform.whatsapp(number, payload, tamper=one_byte_changed).status_code == 401
    assert platform.whatsapp(number, payload, secret="another-apps-secret-0000").status_code == 401
    assert platform.whatsapp(number, json.dumps(payload).encode()).status_code == 401  # unsigned
    assert jobs() == []
    with tenant_context(alpha.creator):
        assert not RawDelivery.objects.exists() and not Message.objects.exists()


def test_a_batched_payload_is_walked_entirely_and_one_bad_item_loses_nothing_else(
    alpha, whatsapp, number, platform_for, jobs
):
    first = whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Primera pregunta")
    second = whatsapp.message_payload(PHONE_NUMBER_ID, LUIS, "Segunda pregunta", name="Luis")
    third = whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Tercera pregunta")
    broken = whatsapp.message_payload(PHONE_NUMBER_ID, LUIS, "sin remitente")
    del broken["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
    del broken["entry"][0]["changes"][0]["value"]["contacts"]
    for_another_number = whatsapp.message_payload("999999999999", LUIS, "otro número")
    body = batch(first, second, broken, for_another_number, third)
    assert sum(len(entry["changes"]) for entry in body["entry"]) == 5
    assert platform_for(alpha.creator).whatsapp(number, body).status_code == 200
    jobs()
    with tenant_context(alpha.creator):
        assert sorted(Message.objects.filter(author="user").values_list("text", flat=True)) == [
            "Primera pregunta",
            "Segunda pregunta",
            "Tercera pregunta",
        ]
        assert Conversation.objects.filter(outlet="whatsapp").count() == 2
        raw = RawDelivery.objects.get()
        assert len(raw.contact_ids) == 2
    assert len(whatsapp.sent_messages(PHONE_NUMBER_ID)) == 3


def test_the_same_message_delivered_twice_is_stored_and_answered_once(alpha, whatsapp, number, platform_for, jobs):
    payload = whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "¿Cuántas horas duermo?")
    platform = platform_for(alpha.creator)
    platform.whatsapp(number, payload)
    jobs()
    # Meta re-delivers the same message, sometimes inside a different body (batched with a status).
    status = whatsapp.status_payload(PHONE_NUMBER_ID, "wamid.unrelated", "delivered", ANA)
    platform.whatsapp(number, batch(payload, status))
    jobs()
    with tenant_context(alpha.creator):
        assert Message.objects.filter(author="user").count() == 1
    assert len(whatsapp.sent_messages(PHONE_NUMBER_ID)) == 1


def test_statuses_apply_in_order_even_when_they_arrive_out_of_order(alpha, whatsapp, number, platform_for, jobs):
    platform = platform_for(alpha.creator)
    platform.whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    jobs()
    with tenant_context(alpha.creator):
        delivery = Delivery.objects.get(message__author="ai")
    wamid = delivery.outlet_message_id
    for state in ("read", "delivered", "sent"):
        platform.whatsapp(number, whatsapp.status_payload(PHONE_NUMBER_ID, wamid, state, ANA))
        jobs()
    with tenant_context(alpha.creator):
        delivery.refresh_from_db()
        assert delivery.status == "read"


def test_a_business_scoped_user_id_is_an_identity_of_its_own_and_is_answered_by_recipient(
    alpha, whatsapp, number, platform_for, jobs
):
    user_id = "US.13491208655302741918"
    payload = whatsapp.message_payload(PHONE_NUMBER_ID, "", "Hola", user_id=user_id, without_wa_id=True)
    platform_for(alpha.creator).whatsapp(number, payload)
    jobs()
    with tenant_context(alpha.creator):
        assert list(ContactIdentity.objects.filter(outlet="whatsapp").values_list("address", flat=True)) == [user_id]
    sent = whatsapp.sent_messages(PHONE_NUMBER_ID)
    assert sent[0]["recipient"] == user_id and "to" not in sent[0]


def test_a_number_the_creator_imported_joins_the_person_who_writes_from_it(alpha, whatsapp, number, platform_for, jobs):
    with tenant_context(alpha.creator):
        imported = services.contact_resolve(phone=f"+{ANA}")  # as a CSV import or the API leaves it
    platform_for(alpha.creator).whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    jobs()
    with tenant_context(alpha.creator):
        assert ContactIdentity.objects.get(outlet="whatsapp").contact_id == imported.pk


def test_another_creators_number_or_host_never_writes_into_this_creator(
    alpha, beta, whatsapp, number, platform_for, jobs
):
    payload = whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola")
    assert platform_for(beta.creator).whatsapp(number, payload).status_code == 404  # wrong host
    jobs()
    for creator in (alpha.creator, beta.creator):
        with tenant_context(creator):
            assert not Message.objects.exists()


def test_malformed_bodies_get_a_clear_answer_and_a_large_valid_one_is_taken(
    alpha, whatsapp, number, platform_for, jobs
):
    platform = platform_for(alpha.creator)
    from tests.servers.whatsapp import sign

    def post_signed(body: bytes):
        from tests.conftest import client_for

        return client_for(alpha.creator).post(
            f"/hooks/whatsapp/{number.pk}",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body, "alpha-app-secret-0123456789abcdef"),
        )

    assert post_signed(b"{not json").status_code == 400
    assert post_signed(b'{"object": "page", "entry": []}').status_code == 200  # not ours: taken and ignored
    assert post_signed(json.dumps({"object": "whatsapp_business_account", "entry": "x"}).encode()).status_code == 200
    # 4 MB of statuses (with the sender's callback data) and one message: over Django's 2.5 MB
    # default for other views, fine here.
    statuses = [whatsapp.status_payload(PHONE_NUMBER_ID, f"wamid.{i:060d}", "delivered", ANA) for i in range(400)]
    for status in statuses:
        status["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = "x" * 10_000
    big = batch(*statuses, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    assert len(json.dumps(big)) > 2_621_440
    assert platform.whatsapp(number, big).status_code == 200
    jobs()
    with tenant_context(alpha.creator):
        assert Message.objects.filter(author="user", text="Hola").exists()


def test_outside_the_24_hour_window_a_check_in_goes_as_the_callers_template(
    alpha, whatsapp, number, platform_for, jobs, committed
):
    whatsapp.add_template(PHONE_NUMBER_ID, "checkin_sleep", "es")
    platform_for(alpha.creator).whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    jobs()
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False), tenant_context(alpha.creator):
        whatsapp.now = lambda: time.time() + 25 * 3600
        contact = ContactIdentity.objects.get(outlet="whatsapp").contact
        with pytest.raises(services.Unreachable, match="24-hour window"):
            services.message_send(contact=contact, text="¿Cómo dormiste?", proactive=True)
        template = {"name": "checkin_sleep", "language": "es", "values": ["Ana"]}
        with committed():
            services.message_send(contact=contact, text="¿Cómo dormiste?", proactive=True, template=template)
        jobs()
    sent = whatsapp.sent_messages(PHONE_NUMBER_ID)[-1]
    assert sent["type"] == "template" and sent["template"]["name"] == "checkin_sleep"
    assert sent["template"]["components"][0]["parameters"] == [{"type": "text", "text": "Ana"}]


def test_when_the_window_is_found_closed_a_check_in_falls_back_to_another_outlet(
    alpha, whatsapp, telegram, number, bot, platform_for, jobs, committed
):
    platform = platform_for(alpha.creator)
    platform.whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    jobs()
    with tenant_context(alpha.creator):
        contact = ContactIdentity.objects.get(outlet="whatsapp").contact
        # The same person also talks to the creator's Telegram bot (they linked it in the app).
        ContactIdentity.objects.create(
            contact=contact, outlet="telegram", address="5550001", messaging_outlet=bot, verified=True
        )
        Conversation.objects.create(contact=contact, outlet="telegram", messaging_outlet=bot)
        contact.preferred_outlet = "whatsapp"
        contact.save(update_fields=["preferred_outlet"])
    telegram.start_chat(BOT_TOKEN, 5550001)
    # Meta's clock says the window closed (the last message was longer ago than ours knew).
    whatsapp.now = lambda: time.time() + 25 * 3600
    with tenant_context(alpha.creator), committed():
        message = services.message_send(contact=contact, text="¿Cómo dormiste?", proactive=True)
    jobs()
    whatsapp.deliver_statuses()  # nothing configured: post the 131047 failure ourselves
    failure = [
        s for s in whatsapp.statuses if s["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == "failed"
    ]
    assert failure
    platform.whatsapp(number, failure[-1])
    jobs()
    with tenant_context(alpha.creator):
        failed = Delivery.objects.get(message=message)
        assert failed.status == "failed" and "131047" in failed.reason and "sent by telegram" in failed.reason
        rerouted = Delivery.objects.get(outlet="telegram", message__text="¿Cómo dormiste?")
        assert rerouted.status == "sent"
    assert telegram.sent_texts(5550001) == ["¿Cómo dormiste?"]


def test_error_codes_are_recorded_with_a_readable_reason(alpha, whatsapp, number, platform_for, jobs, settings):
    settings.OUTBOUND_MAX_ATTEMPTS = 2
    platform = platform_for(alpha.creator)
    whatsapp.fail_next(400, 131026, "Message undeliverable")
    platform.whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    jobs()
    whatsapp.fail_next(429, 130429, "Rate limit hit", times=5, retry_after=3)
    platform.whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, LUIS, "Hola"))
    ran = jobs()
    with tenant_context(alpha.creator):
        undeliverable = Delivery.objects.get(
            message__conversation__contact__identities__address=ANA, message__author="ai"
        )
        assert undeliverable.status == "failed" and "131026" in undeliverable.reason
        assert ContactIdentity.objects.get(address=ANA).unreachable_at is not None
        throttled = Delivery.objects.get(message__conversation__contact__identities__address=LUIS, message__author="ai")
        assert throttled.status == "dead_letter" and "130429" in throttled.reason
    assert any(eta for name, eta in ran if name == "delivery_send")


def test_voice_notes_are_transcribed_and_images_kept_for_the_inbox(
    alpha, whatsapp, number, platform_for, jobs, transcriber
):
    audio = b"OggS-voice-from-whatsapp"
    transcriber.transcripts[audio] = "Hoy dormí siete horas"
    audio_id = whatsapp.add_media(audio, "audio/ogg")
    image_id = whatsapp.add_media(b"\xff\xd8\xff-jpeg-bytes", "image/jpeg")
    platform = platform_for(alpha.creator)
    platform.whatsapp(number, whatsapp.audio_payload(PHONE_NUMBER_ID, ANA, audio_id))
    platform.whatsapp(number, whatsapp.image_payload(PHONE_NUMBER_ID, ANA, image_id))
    jobs()
    with tenant_context(alpha.creator):
        voice = MessageMedia.objects.get(kind="audio")
        assert voice.message.text == "Hoy dormí siete horas" and voice.file.read() == audio
        image = MessageMedia.objects.get(kind="image")
        assert image.message.text == "📷 Imagen" and image.content_type == "image/jpeg"
    assert len(whatsapp.sent_messages(PHONE_NUMBER_ID)) == 2


def test_a_takeover_reply_from_the_team_reaches_the_whatsapp_contact(
    alpha, whatsapp, number, platform_for, jobs, committed
):
    platform_for(alpha.creator).whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Quiero una persona"))
    jobs()
    with tenant_context(alpha.creator), committed():
        conversation = Conversation.objects.get(outlet="whatsapp")
        services.member_message_send(conversation=conversation, member=alpha.coach, text="Hola Ana, soy Marta.")
    jobs()
    assert whatsapp.sent_texts(PHONE_NUMBER_ID, to=ANA)[-1] == "Hola Ana, soy Marta."


def test_a_media_address_off_meta_never_receives_the_access_token(alpha, whatsapp, number, settings):
    from conversations.outlets.base import MediaRef
    from conversations.outlets.whatsapp import media_host_trusted, outlet

    settings.WHATSAPP_API_URL = "https://graph.facebook.com"
    assert media_host_trusted("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1")
    assert not media_host_trusted("https://lookaside.fbsbx.com.evil.example/x")
    assert not media_host_trusted("http://lookaside.fbsbx.com/x")  # not over plain HTTP
    assert not media_host_trusted("https://169.254.169.254/latest/meta-data")
    settings.WHATSAPP_API_URL = whatsapp.url
    media_id = whatsapp.add_media(b"audio", "audio/ogg")
    whatsapp.media[media_id]["url_override"] = "https://attacker.example/steal"
    with pytest.raises(ValueError, match="no usable file address"):
        outlet.fetch_media(number, MediaRef("audio", media_id, "audio/ogg"))


def test_when_the_window_is_found_closed_the_callers_template_goes_on_the_same_number(
    alpha, whatsapp, number, platform_for, jobs, committed
):
    whatsapp.add_template(PHONE_NUMBER_ID, "checkin_sleep", "es")
    platform = platform_for(alpha.creator)
    platform.whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Hola"))
    jobs()
    whatsapp.now = lambda: time.time() + 25 * 3600  # Meta's clock: the window closed
    template = {"name": "checkin_sleep", "language": "es", "values": ["Ana"]}
    with tenant_context(alpha.creator), committed():
        contact = ContactIdentity.objects.get(outlet="whatsapp").contact
        message = services.message_send(contact=contact, text="¿Cómo dormiste?", proactive=True, template=template)
    jobs()
    failed = [s for s in whatsapp.statuses if s["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == "failed"]
    platform.whatsapp(number, failed[-1])
    jobs()
    sent = whatsapp.sent_messages(PHONE_NUMBER_ID)
    assert [m["type"] for m in sent] == ["text", "text", "template"]
    with tenant_context(alpha.creator):
        assert "sent as the template instead" in Delivery.objects.get(message=message).reason
        assert ContactIdentity.objects.get(outlet="whatsapp").window_closed_at is not None
    # The person writes again: the window is open for free-form messages once more.
    whatsapp.now = time.time
    platform.whatsapp(number, whatsapp.message_payload(PHONE_NUMBER_ID, ANA, "Buenas"))
    jobs()
    with tenant_context(alpha.creator):
        assert ContactIdentity.objects.get(outlet="whatsapp").window_closed_at is None
    assert whatsapp.sent_messages(PHONE_NUMBER_ID)[-1]["type"] == "text"
