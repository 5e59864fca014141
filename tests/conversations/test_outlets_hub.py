"""The hub's Outlets page (connect, test, remove, WhatsApp templates), outlets shown in the inbox and
conversation, and the voice notes and images people sent: owners only for outlets, who answers
conversations for media, and never another creator's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from conversations.models import (
    ContactIdentity,
    Delivery,
    MessageMedia,
    MessagingOutlet,
    WhatsAppTemplate,
)
from tests.conftest import client_for
from tests.conversations.outlets.conftest import (  # noqa: F401 - fixtures
    ACCESS_TOKEN,
    APP_SECRET,
    BOT_TOKEN,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    bot,
    number,
    telegram,
    whatsapp,
)
from tests.factories import ContactFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db
CHAT = "5550001"


def owner_of(team):
    return client_for(team.creator, team.owner)


def test_it_connects_a_bot_from_the_form_and_lists_it_with_its_webhook(alpha, telegram):  # noqa: F811
    telegram.add_bot(BOT_TOKEN, username="alpha_coach_bot")
    hub = owner_of(alpha)
    assert 'href="/hub/outlets/"' in hub.get("/hub/").content.decode()
    response = hub.post("/hub/outlets/", {"kind": "telegram", "bot_token": BOT_TOKEN}, follow=True)
    page = response.content.decode()
    with tenant_context(alpha.creator):
        outlet = MessagingOutlet.objects.get()
    assert response.status_code == 200 and "@alpha_coach_bot is connected." in page
    assert f"http://alpha.localhost:8000/hooks/telegram/{outlet.pk}" in page
    assert telegram.webhook(BOT_TOKEN)["url"].endswith(f"/hooks/telegram/{outlet.pk}")
    assert BOT_TOKEN not in page and outlet.webhook_secret not in page and f"…{BOT_TOKEN[-4:]}" in page


def test_a_refused_token_is_explained_nothing_is_saved_and_it_is_not_shown_back(alpha, telegram):  # noqa: F811
    token = "111111111:AAE-a-token-telegram-does-not-know"
    response = owner_of(alpha).post("/hub/outlets/", {"kind": "telegram", "bot_token": token})
    page = response.content.decode()
    assert response.status_code == 400 and "Telegram did not accept this token" in page
    assert token not in page
    with tenant_context(alpha.creator):
        assert not MessagingOutlet.objects.exists()


def test_a_whatsapp_number_shows_what_to_paste_into_meta_and_never_its_secrets(alpha, whatsapp):  # noqa: F811
    data = {
        "kind": "whatsapp", "name": "Coaching line", "phone_number_id": PHONE_NUMBER_ID,
        "access_token": ACCESS_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN,
    }  # fmt: skip
    page = owner_of(alpha).post("/hub/outlets/", data, follow=True).content.decode()
    with tenant_context(alpha.creator):
        outlet = MessagingOutlet.objects.get()
    assert outlet.name == "Coaching line" and f"/hooks/whatsapp/{outlet.pk}" in page
    assert "paste this URL and your verify token" in page
    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in page


def test_the_page_shows_each_outlets_health_and_what_was_not_delivered_this_week(alpha, bot):  # noqa: F811
    with tenant_context(alpha.creator):
        conversation = ConversationFactory(outlet="telegram", messaging_outlet=bot)
        for status, age in (("dead_letter", 1), ("failed", 2), ("failed", 9), ("sent", 1)):
            message = MessageFactory(conversation=conversation, author="ai")
            Delivery.objects.create(
                message=message, outlet="telegram", status=status, created_at=timezone.now() - timedelta(days=age)
            )
        MessagingOutlet.objects.filter(pk=bot.pk).update(
            last_error="Forbidden: bot was blocked by the user", last_error_at=timezone.now(), status="failing"
        )
    page = owner_of(alpha).get("/hub/outlets/").content.decode()
    assert 'data-testid="undelivered"><span class="badge failed">2</span>' in page
    assert "Forbidden: bot was blocked by the user" in page and "Failing" in page


def test_send_me_a_test_message_reaches_the_chat_that_wrote_to_the_bot(alpha, telegram, bot):  # noqa: F811
    telegram.start_chat(BOT_TOKEN, CHAT)
    with tenant_context(alpha.creator):
        ContactIdentity.objects.create(
            contact=ContactFactory(display_name="Ana"), outlet="telegram", address=CHAT, messaging_outlet=bot
        )
    hub = owner_of(alpha)
    assert f'<option value="{CHAT}">Ana ({CHAT})</option>' in hub.get("/hub/outlets/").content.decode()
    response = hub.post(f"/hub/outlets/{bot.pk}/test/", {"address": CHAT}, follow=True)
    assert "Sent. Check your phone." in response.content.decode()
    assert telegram.sent_texts(CHAT) == ["Test message from Compañero: this outlet works."]
    stranger = hub.post(f"/hub/outlets/{bot.pk}/test/", {"address": "42"}, follow=True).content.decode()
    assert "Write to the bot or number from your phone first" in stranger
    assert len(telegram.sent_texts(CHAT)) == 1


def test_removing_an_outlet_deletes_its_webhook(alpha, telegram, bot):  # noqa: F811
    response = owner_of(alpha).post(f"/hub/outlets/{bot.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/hub/outlets/"
    assert telegram.calls_of("deleteWebhook") and telegram.webhook(BOT_TOKEN) is None
    with tenant_context(alpha.creator):
        assert not MessagingOutlet.objects.exists()


def test_whatsapp_templates_are_added_and_removed_from_the_page(alpha, number):  # noqa: F811
    hub = owner_of(alpha)
    added = hub.post(
        f"/hub/outlets/{number.pk}/templates/",
        {"name": "weekly_checkin", "language": "es", "variables": "first_name, step"},
        follow=True,
    ).content.decode()
    assert "weekly_checkin" in added and "first_name, step" in added
    refused = hub.post(f"/hub/outlets/{number.pk}/templates/", {"name": "Bad Name", "language": "es"}, follow=True)
    assert "a-z, 0-9, _" in refused.content.decode()
    with tenant_context(alpha.creator):
        template = WhatsAppTemplate.objects.get()
        assert template.variables == ["first_name", "step"]
    hub.post(f"/hub/outlets/{number.pk}/templates/{template.pk}/delete/")
    with tenant_context(alpha.creator):
        assert not WhatsAppTemplate.objects.exists()


def test_only_owners_manage_outlets_and_never_another_creators(alpha, beta, telegram, bot):  # noqa: F811
    for role in ("coach", "analyst"):
        member = client_for(alpha.creator, alpha.member(role))
        assert member.get("/hub/outlets/").status_code == 403
        assert member.post(f"/hub/outlets/{bot.pk}/delete/").status_code == 403
        assert 'href="/hub/outlets/"' not in member.get("/hub/").content.decode()
    intruder = owner_of(beta)
    assert str(bot.pk) not in intruder.get("/hub/outlets/").content.decode()
    for action in ("delete/", "test/", "templates/"):
        assert intruder.post(f"/hub/outlets/{bot.pk}/{action}").status_code == 404
    assert client_for(alpha.creator, beta.owner).get("/hub/outlets/").status_code == 403
    assert not telegram.calls_of("deleteWebhook")
    with tenant_context(alpha.creator):
        assert MessagingOutlet.objects.filter(pk=bot.pk).exists()


@pytest.fixture
def voice_note(alpha, bot, settings, tmp_path):  # noqa: F811
    """Ana wrote on Telegram (a voice note the coach could not deliver an answer to) and on the web."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with tenant_context(alpha.creator):
        contact = ContactFactory(display_name="Ana")
        web = ConversationFactory(contact=contact, outlet="web", updated_at=timezone.now() - timedelta(days=1))
        MessageFactory(conversation=web, text="Hi from the browser")
        conversation = ConversationFactory(contact=contact, outlet="telegram", messaging_outlet=bot)
        message = MessageFactory(conversation=conversation, text="[voice note]")
        media = MessageMedia(message=message, kind="audio", content_type="audio/ogg", transcript="Hola, ¿qué tal?")
        media.file.save("voice.oga", ContentFile(b"OggS-a-voice-note"), save=True)
        reply = MessageFactory(conversation=conversation, author="ai", text="Sleep well.")
        Delivery.objects.create(message=reply, outlet="telegram", status="dead_letter", reason="429 after 8 tries")
    return conversation, web, media


def test_the_conversation_shows_outlets_other_threads_media_and_what_was_not_delivered(alpha, voice_note):
    conversation, web, media = voice_note
    coach = client_for(alpha.creator, alpha.coach)
    inbox = coach.get("/hub/inbox/?partial=1").content.decode()
    assert 'data-outlet="telegram"' in inbox and 'data-outlet="web"' in inbox
    page = coach.get(f"/hub/inbox/{conversation.pk}/").content.decode()
    assert "Also on:" in page and f'href="/hub/inbox/{web.pk}/"' in page
    assert f'<audio controls preload="none" src="/hub/media/{media.pk}/">' in page and "Hola, ¿qué tal?" in page
    assert "Not delivered after retries" in page and "429 after 8 tries" in page
    assert "/media/creators/" not in page, "never a public media URL"


def test_media_are_served_to_the_team_and_never_to_another_creator(alpha, beta, voice_note):
    _, _, media = voice_note
    response = client_for(alpha.creator, alpha.coach).get(f"/hub/media/{media.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"OggS-a-voice-note"
    assert response["Content-Type"] == "audio/ogg" and response["X-Content-Type-Options"] == "nosniff"
    assert client_for(alpha.creator, alpha.analyst).get(f"/hub/media/{media.pk}/").status_code == 403
    assert client_for(beta.creator, beta.owner).get(f"/hub/media/{media.pk}/").status_code == 404
    assert client_for(alpha.creator, beta.owner).get(f"/hub/media/{media.pk}/").status_code == 403
    # A row in beta's schema naming alpha's file is refused too.
    with tenant_context(beta.creator):
        message = MessageFactory(conversation=ConversationFactory(outlet="telegram"))
        forged = MessageMedia.objects.create(message=message, kind="audio", file=media.file.name)
    assert client_for(beta.creator, beta.owner).get(f"/hub/media/{forged.pk}/").status_code == 404


def test_a_file_that_a_browser_could_run_is_only_ever_a_download(alpha, voice_note):
    _, _, media = voice_note
    with tenant_context(alpha.creator):
        MessageMedia.objects.filter(pk=media.pk).update(kind="image", content_type="text/html")
    response = client_for(alpha.creator, alpha.coach).get(f"/hub/media/{media.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
