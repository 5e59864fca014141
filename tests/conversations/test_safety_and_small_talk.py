"""A coach worth talking to: small talk gets a fitting reply before any search of the material, the
person's language is followed and remembered, and a person in crisis is noticed before any answer."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from analytics.models import Event
from conversations import services
from conversations.models import Conversation, Message, TeamNotification
from conversations.selectors import persona_get
from conversations.services import turns
from conversations.services.safety import conversation_flag_clear
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def say(contact, text: str, outlet: str = "api") -> turns.Turn:
    """The person writes in their one thread (the API names it, like a chat on a platform would)."""
    latest = Conversation.objects.filter(contact=contact, outlet=outlet).order_by("-updated_at").first()
    return turns.turn_run(
        turns.Turn(outlet=outlet, text=text, contact=contact, conversation_id=str(latest.pk) if latest else None)
    )


@pytest.mark.parametrize(
    ("text", "backend", "expected"),
    [
        ("hi", "act", "What would you like to work on today?"),
        ("Hola!", "act", "¿En qué te gustaría trabajar hoy?"),
        ("thanks!", "act", "You're welcome"),
        ("muchas gracias 🙏", "act", "¡De nada!"),
        ("bye, see you", "act", "Take care"),
        ("¿qué puedes hacer?", "act", "Respondo con el material"),
        ("I don't understand", "act", "Could you tell me in other words"),
    ],
)
def test_small_talk_gets_the_coachs_own_words_not_a_search(alpha, text, backend, expected):
    with tenant_context(alpha.creator):
        turn = say(ContactFactory(), text)
        assert turn.answer.backend == backend
        assert expected in turn.reply.text
        assert "material I coach from, so I won't guess" not in turn.reply.text
        assert Event.objects.filter(kind="answer_small_talk", subject_id=turn.message.pk).exists()


def test_yes_answers_the_coachs_question_and_a_bare_ok_is_an_acknowledgement(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory()
        say(contact, "hello")  # the coach asks what they would like to work on
        assert say(contact, "yes please").answer.text.startswith("Great — tell me what you'd like to work on")
        assert say(contact, "ok").answer.text.startswith("You're welcome")  # no question pending


def test_the_creator_words_the_phrases_in_each_language(alpha):
    with tenant_context(alpha.creator):
        persona = persona_get()
        persona.phrases = {"es": {"thanks": "¡A ti! Seguimos cuando quieras."}}
        persona.save()
        assert say(ContactFactory(), "gracias").reply.text == "¡A ti! Seguimos cuando quieras."
        assert say(ContactFactory(), "thanks").reply.text.startswith("You're welcome")


def test_a_question_with_a_greeting_in_it_is_still_a_question(alpha):
    with tenant_context(alpha.creator):
        turn = say(ContactFactory(), "hi, how many hours should I sleep before a race?")
        assert turn.answer.backend != "act"


def test_asking_for_a_person_tells_the_team(alpha):
    with tenant_context(alpha.creator):
        turn = say(ContactFactory(), "Quiero hablar con una persona, por favor")
        assert "He avisado al equipo" in turn.reply.text
        notified = set(TeamNotification.objects.filter(kind="human_requested").values_list("user_id", flat=True))
        assert notified == {alpha.owner.pk, alpha.coach.pk}  # the analyst does not answer conversations
        assert Event.objects.filter(kind="human_requested").count() == 1


def test_the_persons_language_is_followed_and_a_short_ok_does_not_flip_it(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory()
        say(contact, "Hola, quiero dormir mejor")
        contact.refresh_from_db()
        assert contact.language == "es"
        assert say(contact, "ok").answer.language == "es"
        say(contact, "Actually, can we talk in English about my sleep?")
        contact.refresh_from_db()
        assert contact.language == "en"


def test_a_language_the_team_fixed_is_kept(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory(language="es", language_fixed=True)
        assert say(contact, "thanks a lot").answer.language == "es"


def test_a_crisis_gets_the_safety_message_pauses_the_ai_flags_and_alerts_the_team(
    alpha, django_capture_on_commit_callbacks
):
    with tenant_context(alpha.creator):
        contact = ContactFactory()
        with django_capture_on_commit_callbacks(execute=True):
            turn = say(contact, "ya no aguanto más, quiero acabar con todo")
        assert "112" in turn.reply.text and turn.reply.author == "system"
        conversation = Conversation.objects.get(pk=turn.message.conversation_id)
        assert conversation.flagged_at is not None and conversation.flag_reason == "self_harm"
        assert conversation.handler == "human"
        assert TeamNotification.objects.filter(kind="crisis", conversation=conversation).count() == 2
        assert {m.to[0] for m in mail.outbox} >= {alpha.owner.email, alpha.coach.email}
        # Every further message gets the safety message again, never an AI answer.
        again = say(contact, "¿cuánta agua bebo al despertar?")
        assert again.reply is not None and again.reply.author == "system" and "112" in again.reply.text
        assert not Message.objects.filter(conversation=conversation, author="ai").exists()
        # Nothing the coach starts reaches them meanwhile.
        with pytest.raises(services.Unreachable, match="crisis"):
            services.message_send(contact=contact, text="¿Cómo dormiste?", proactive=True)


def test_once_a_team_member_answers_the_team_has_the_conversation_and_can_clear_the_flag(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory()
        turn = say(contact, "my partner hits me when he drinks")
        conversation = Conversation.objects.get(pk=turn.message.conversation_id)
        assert conversation.flag_reason == "violence"
        services.member_message_send(conversation=conversation, member=alpha.coach, text="I'm here. Are you safe now?")
        followup = say(contact, "yes, I'm at my sister's")
        assert followup.stop == "taken_over"  # the team member answers now, not the coach nor the script
        conversation_flag_clear(conversation=conversation)
        services.conversation_hand_back(conversation=conversation)
        services.message_send(contact=contact, text="How are you today?", proactive=True)


def test_figures_of_speech_are_not_a_crisis(alpha):
    with tenant_context(alpha.creator):
        turn = say(ContactFactory(), "this workout is killing me, me muero de hambre")
        assert turn.answer.backend != "safety"
        assert Conversation.objects.get(pk=turn.message.conversation_id).flagged_at is None


def test_a_crisis_is_noticed_on_every_outlet_even_when_the_team_holds_the_conversation(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory()
        first = say(contact, "hola", outlet="api")
        conversation = first.message.conversation
        services.conversation_take_over(conversation=conversation, member=alpha.coach)
        say(contact, "I took all my pills")
        conversation.refresh_from_db()
        assert conversation.flag_reason == "medical"
        assert TeamNotification.objects.filter(kind="crisis").exists()


def test_the_creators_own_i_dont_know_is_used(alpha, knowledge):
    with tenant_context(alpha.creator):
        persona = persona_get()
        persona.phrases = {"en": {"unknown": "That's outside my notes — ask Marta at the studio."}}
        persona.save()
        turn = say(ContactFactory(), "What is the capital of Mongolia?")
        assert turn.reply.text == "That's outside my notes — ask Marta at the studio."
