"""Telegram: a person writes to the creator's bot and the coach answers there, against a local
server speaking the Bot API (updates, secret token, 429 retry_after, 403 blocked)."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from conversations import services
from conversations.models import (
    ConsentRecord,
    ContactIdentity,
    Conversation,
    Delivery,
    Message,
    MessageMedia,
    RawDelivery,
)
from conversations.services.outlets import messaging_outlet_delete
from tests.conversations.outlets.conftest import BOT_TOKEN

pytestmark = pytest.mark.django_db
CHAT = 5550001


def test_connecting_a_bot_registers_its_webhook_with_a_secret_of_its_own(alpha, telegram, bot):
    hook = telegram.webhook(BOT_TOKEN)
    assert hook["url"] == f"http://alpha.localhost:8000/hooks/telegram/{bot.pk}"
    assert hook["secret_token"] == bot.webhook_secret and len(bot.webhook_secret) >= 32
    assert set(hook["allowed_updates"]) == {"message", "edited_message", "callback_query", "my_chat_member"}
    assert bot.name == "@alpha_coach_bot"
    with tenant_context(alpha.creator):
        messaging_outlet_delete(outlet=bot, user=alpha.owner)
    assert telegram.calls_of("deleteWebhook") and telegram.webhook(BOT_TOKEN) is None


def test_a_person_writes_and_the_coach_answers_in_the_same_chat(alpha, telegram, bot, platform_for, jobs):
    response = platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "Hola, ¿cómo duermo mejor?"))
    assert response.status_code == 200
    ran = jobs()
    assert [name for name, _eta in ran] == ["raw_delivery_process", "delivery_send"]
    replies = telegram.sent_texts(CHAT)
    assert len(replies) == 1 and replies[0]
    assert telegram.calls_of("sendChatAction")[0]["params"]["action"] == "typing"
    with tenant_context(alpha.creator):
        conversation = Conversation.objects.get(outlet="telegram")
        assert conversation.messaging_outlet_id == bot.pk
        assert list(conversation.messages.values_list("author", flat=True)) == ["user", "ai"]
        assert Delivery.objects.get(message__author="ai").status == "sent"
        identity = ContactIdentity.objects.get(outlet="telegram", address=str(CHAT))
        assert identity.contact.display_name == "Ana"
        assert RawDelivery.objects.get().contact_ids == [identity.contact_id]
        assert ConsentRecord.objects.get(contact=identity.contact).method == "wrote_first"
        # The next message continues the same thread.
    platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "¿Y la cafeína?"))
    jobs()
    with tenant_context(alpha.creator):
        assert Conversation.objects.filter(outlet="telegram").count() == 1
        assert Message.objects.filter(author="user").count() == 2


def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(alpha, telegram, bot, platform_for, jobs):
    platform = platform_for(alpha.creator)
    assert platform.telegram(bot, telegram.update_text(CHAT, "hi"), secret="not-the-secret").status_code == 401
    assert platform.telegram(bot, telegram.update_text(CHAT, "hi"), secret=None).status_code == 401
    assert jobs() == []
    with tenant_context(alpha.creator):
        assert not RawDelivery.objects.exists() and not Message.objects.exists()


def test_a_webhook_for_one_creator_never_writes_into_another(alpha, beta, telegram, bot, platform_for, jobs):
    # Alpha's outlet id and secret posted to beta's host: beta has no such outlet.
    response = platform_for(beta.creator).telegram(bot, telegram.update_text(CHAT, "hi"))
    assert response.status_code == 404
    jobs()
    for creator in (alpha.creator, beta.creator):
        with tenant_context(creator):
            assert not RawDelivery.objects.exists() and not Message.objects.exists()


def test_the_same_update_twice_is_one_message_and_one_reply(alpha, telegram, bot, platform_for, jobs):
    update = telegram.update_text(CHAT, "¿Cuántas horas debo dormir?")
    platform = platform_for(alpha.creator)
    assert platform.telegram(bot, update).status_code == 200
    jobs()
    assert platform.telegram(bot, update).status_code == 200  # Telegram re-delivers
    jobs()
    with tenant_context(alpha.creator):
        assert RawDelivery.objects.count() == 1
        assert Message.objects.filter(author="user").count() == 1
    assert len(telegram.sent_texts(CHAT)) == 1


def test_malformed_deliveries_get_a_clear_answer_never_a_500(alpha, telegram, bot, platform_for, jobs, settings):
    platform = platform_for(alpha.creator)
    assert platform.telegram(bot, b"{not json").status_code == 400
    assert platform.telegram(bot, {"message": {"text": "no update id"}}).status_code == 400
    assert platform.telegram(bot, {"update_id": "7"}).status_code == 400
    # Kinds the coach does not act on, and an update missing what its kind needs: taken, then ignored.
    assert platform.telegram(bot, {"update_id": 900001, "channel_post": {"text": "hi"}}).status_code == 200
    assert platform.telegram(bot, {"update_id": 900002, "message": {"text": "no chat"}}).status_code == 200
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    big = json.dumps({"update_id": 900003, "message": {"text": "x" * 5000}}).encode()
    assert platform.telegram(bot, big).status_code == 413
    jobs()
    with tenant_context(alpha.creator):
        assert not Message.objects.exists()
        assert RawDelivery.objects.get(key="update:900002").error.startswith("unreadable")
    assert telegram.sent_texts(CHAT) == []


def test_a_button_press_is_answered_and_read_as_the_persons_reply(alpha, telegram, bot, platform_for, jobs):
    platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "hola"))
    jobs()
    press = telegram.update_callback(CHAT, "sí")
    platform_for(alpha.creator).telegram(bot, press)
    jobs()
    answered = telegram.calls_of("answerCallbackQuery")
    assert [call["params"]["callback_query_id"] for call in answered] == [press["callback_query"]["id"]]
    with tenant_context(alpha.creator):
        assert Message.objects.filter(author="user", text="sí").exists()


def test_an_edited_message_updates_the_stored_text_without_a_second_reply(alpha, telegram, bot, platform_for, jobs):
    update = telegram.update_text(CHAT, "Duermo 5 horas")
    platform_for(alpha.creator).telegram(bot, update)
    jobs()
    platform_for(alpha.creator).telegram(
        bot, telegram.update_edited(CHAT, update["message"]["message_id"], "Duermo 6 horas")
    )
    jobs()
    with tenant_context(alpha.creator):
        assert list(Message.objects.filter(author="user").values_list("text", flat=True)) == ["Duermo 6 horas"]
    assert len(telegram.sent_texts(CHAT)) == 1


def test_a_person_who_blocks_the_bot_gets_nothing_until_they_unblock(
    alpha, telegram, bot, platform_for, jobs, committed
):
    platform = platform_for(alpha.creator)
    platform.telegram(bot, telegram.update_text(CHAT, "hola"))
    jobs()
    platform.telegram(bot, telegram.update_my_chat_member(CHAT, "kicked"))
    jobs()
    with tenant_context(alpha.creator):
        identity = ContactIdentity.objects.get(outlet="telegram")
        assert identity.unreachable_at is not None and "blocked" in identity.unreachable_reason
        with pytest.raises(services.Unreachable):
            services.message_send(contact=identity.contact, text="¿Cómo dormiste?", proactive=True)
    platform.telegram(bot, telegram.update_my_chat_member(CHAT, "member"))
    jobs()
    with tenant_context(alpha.creator):
        identity.refresh_from_db()
        assert identity.unreachable_at is None
        with committed():
            services.message_send(contact=identity.contact, text="¿Cómo dormiste?", proactive=True)
    jobs()
    assert telegram.sent_texts(CHAT)[-1] == "¿Cómo dormiste?"
    with tenant_context(alpha.creator):
        methods = list(ConsentRecord.objects.values_list("method", flat=True))
        assert methods == ["wrote_first", "blocked", "unblocked"]


def test_a_403_blocked_answer_marks_the_person_unreachable(alpha, telegram, bot, platform_for, jobs, committed):
    platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "hola"))
    jobs()
    telegram.block(BOT_TOKEN, CHAT)  # blocked without Telegram telling us (yet)
    with tenant_context(alpha.creator):
        contact = ContactIdentity.objects.get(outlet="telegram").contact
        with committed():
            message = services.message_send(contact=contact, text="Recordatorio", proactive=True)
    jobs()
    with tenant_context(alpha.creator):
        delivery = Delivery.objects.get(message=message)
        assert delivery.status == "failed" and delivery.reason.startswith("The person blocked the bot")
        assert ContactIdentity.objects.get(outlet="telegram").unreachable_at is not None


def test_a_429_is_retried_after_the_time_telegram_asks(alpha, telegram, bot, platform_for, jobs):
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "hola"))
    ran = jobs()
    sends = [eta for name, eta in ran if name == "delivery_send"]
    assert len(sends) == 2 and sends[0] is None and sends[1] is not None  # the retry was delayed
    assert len(telegram.sent_texts(CHAT)) == 1
    with tenant_context(alpha.creator):
        delivery = Delivery.objects.get(message__author="ai")
        assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_server_errors_are_retried_with_backoff_then_dead_lettered(alpha, telegram, bot, platform_for, jobs, settings):
    settings.OUTBOUND_MAX_ATTEMPTS = 3
    telegram.fail_next("sendMessage", 502, "Bad Gateway", times=10)
    platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "hola"))
    jobs()
    assert telegram.sent_texts(CHAT) == []
    with tenant_context(alpha.creator):
        delivery = Delivery.objects.get(message__author="ai")
        assert delivery.status == "dead_letter" and delivery.attempts == 3
        assert "not delivered after 3 tries" in delivery.reason
        bot.refresh_from_db()
        assert "502" in bot.last_error
        assert Message.objects.filter(author="ai").exists()  # the message is kept for the team


def test_replies_to_one_chat_are_paced_at_one_a_second(alpha, telegram, bot, platform_for, jobs, committed, settings):
    settings.TELEGRAM_CHAT_INTERVAL_SECONDS = 1
    platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "hola"))
    jobs()
    with tenant_context(alpha.creator):
        contact = ContactIdentity.objects.get(outlet="telegram").contact
        with committed():
            services.message_send(contact=contact, text="Uno", proactive=True)
    ran = jobs()
    delayed = [eta for name, eta in ran if name == "delivery_send" and eta is not None]
    assert delayed  # the second message in the same second waited instead of tripping a 429
    assert telegram.sent_texts(CHAT)[-1] == "Uno"


def test_a_long_reply_goes_out_in_parts_cut_between_sentences(alpha, telegram, bot, platform_for, jobs, committed):
    platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "hola"))
    jobs()
    sentence = "Dormir bien empieza por una hora fija de acostarse cada noche. "
    with tenant_context(alpha.creator):
        contact = ContactIdentity.objects.get(outlet="telegram").contact
        with committed():
            services.message_send(contact=contact, text=sentence * 100, proactive=True)
    jobs()
    parts = telegram.sent_texts(CHAT)[1:]
    assert len(parts) == 2 and all(len(p) <= 4096 for p in parts)
    assert all(p.endswith("noche.") for p in parts)


def test_stop_and_start_commands_switch_proactive_messages_and_are_kept_in_the_ledger(
    alpha, telegram, bot, platform_for, jobs
):
    platform = platform_for(alpha.creator)
    platform.telegram(bot, telegram.update_text(CHAT, "/start program-abc"))
    jobs()
    platform.telegram(bot, telegram.update_text(CHAT, "/stop"))
    jobs()
    with tenant_context(alpha.creator):
        identity = ContactIdentity.objects.get(outlet="telegram")
        assert identity.opted_out_at is not None
        with pytest.raises(services.Unreachable):
            services.message_send(contact=identity.contact, text="¿Check-in?", proactive=True)
    platform.telegram(bot, telegram.update_text(CHAT, "¿Y si quiero preguntar algo?"))
    jobs()
    assert len(telegram.sent_texts(CHAT)) == 3  # greeting, stop confirmation, an answer: they can still write
    platform.telegram(bot, telegram.update_text(CHAT, "START"))
    jobs()
    with tenant_context(alpha.creator):
        identity.refresh_from_db()
        assert identity.opted_out_at is None
        ledger = list(ConsentRecord.objects.values_list("action", "method"))
        assert ledger == [
            ("opted_in", "wrote_first"),
            ("opted_in", "start_command"),
            ("opted_out", "opt_out_word"),
            ("opted_in", "opt_in_word"),
        ]
    assert "ALTA" in telegram.sent_texts(CHAT)[1]  # they wrote in Spanish (Telegram says "es")


def test_a_voice_note_is_transcribed_and_answered_like_text(alpha, telegram, bot, platform_for, jobs, transcriber):
    audio = b"OggS-fake-opus-audio"
    transcriber.transcripts[audio] = "¿Cuántas horas debo dormir?"
    file_id = telegram.add_file(audio, "voice/file_7.oga")
    platform_for(alpha.creator).telegram(bot, telegram.update_voice(CHAT, file_id))
    jobs()
    with tenant_context(alpha.creator):
        question = Message.objects.get(author="user")
        assert question.text == "¿Cuántas horas debo dormir?"
        media = MessageMedia.objects.get(message=question)
        assert (media.kind, media.transcript, media.size) == ("audio", question.text, len(audio))
        assert media.file.read() == audio
    assert len(telegram.sent_texts(CHAT)) == 1


def test_without_a_transcription_server_the_coach_says_it_reads_text_and_keeps_the_voice_note(
    alpha, telegram, bot, platform_for, jobs, settings
):
    settings.TRANSCRIPTION_URL = ""
    file_id = telegram.add_file(b"OggS-audio", "voice/file_8.oga")
    platform_for(alpha.creator).telegram(bot, telegram.update_voice(CHAT, file_id))
    jobs()
    assert telegram.sent_texts(CHAT) == ["Por ahora solo leo texto: ¿me lo escribes?"]
    with tenant_context(alpha.creator):
        media = MessageMedia.objects.get()
        assert media.kind == "audio" and media.file.read() == b"OggS-audio"


def test_a_takeover_reply_from_the_team_reaches_the_telegram_chat(alpha, telegram, bot, platform_for, jobs, committed):
    platform_for(alpha.creator).telegram(bot, telegram.update_text(CHAT, "Quiero hablar con una persona"))
    jobs()
    with tenant_context(alpha.creator):
        conversation = Conversation.objects.get(outlet="telegram")
        with committed():
            services.conversation_take_over(conversation=conversation, member=alpha.coach)
            services.member_message_send(
                conversation=conversation, member=alpha.coach, text="Hola, soy Marta del equipo."
            )
    jobs()
    joined, reply = telegram.sent_texts(CHAT)[-2:]
    assert "del equipo se unió a la conversación" in joined
    assert reply == "Hola, soy Marta del equipo."
