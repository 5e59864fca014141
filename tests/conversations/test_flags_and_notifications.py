"""A person who may be in crisis: the flag in the inbox, the API and the conversation page, clearing
it; and the hub's bell, where each member sees only their own notifications and never a person's words."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from conversations.models import Contact, Conversation, TeamNotification
from conversations.services.notifications import team_notify
from conversations.services.safety import conversation_flag
from tests.conftest import client_for
from tests.factories import ContactFactory, ConversationFactory, MessageFactory, bearer, host

pytestmark = pytest.mark.django_db


def api_for(team, role: str = "coach") -> Client:
    client = Client(**host(team.creator))
    client.defaults.update(bearer(team.member(role), team.creator))
    return client


@pytest.fixture
def flagged(alpha):
    """Ana wrote something worrying (flagged); Ben's conversation is newer and calm."""
    with tenant_context(alpha.creator):
        ana = MessageFactory(
            text="I want to end it all",
            conversation=ConversationFactory(contact=ContactFactory(display_name="Ana")),
        ).conversation
        conversation_flag(conversation=ana, reason="self_harm")
        calm = MessageFactory(text="What should I eat?", conversation=ConversationFactory()).conversation
        Conversation.objects.filter(pk=calm.pk).update(updated_at=timezone.now() + timezone.timedelta(minutes=5))
        return ana, calm


def test_the_api_filters_flagged_conversations_and_shows_why(alpha, flagged):
    ana, calm = flagged
    api = api_for(alpha)
    only = api.get("/api/v1/conversations?flagged=true").json()["results"]
    assert [c["id"] for c in only] == [str(ana.pk)]
    assert only[0]["flag_reason"] == "self_harm" and only[0]["flagged_at"]
    assert [c["id"] for c in api.get("/api/v1/conversations?flagged=false").json()["results"]] == [str(calm.pk)]


def test_a_coach_clears_the_flag_over_the_api(alpha, flagged):
    ana, _ = flagged
    cleared = api_for(alpha).post(f"/api/v1/conversations/{ana.pk}/clear-flag")
    assert cleared.status_code == 200
    assert cleared.json()["flagged_at"] is None and cleared.json()["flag_reason"] == ""
    assert cleared.json()["handler"] == "human"  # the team keeps it until someone hands it back
    with tenant_context(alpha.creator):
        assert Contact.objects.get(pk=ana.contact_id).crisis_at is None


def test_only_members_who_answer_conversations_clear_a_flag_and_only_their_creators(alpha, beta, flagged):
    ana, _ = flagged
    assert api_for(alpha, "analyst").post(f"/api/v1/conversations/{ana.pk}/clear-flag").status_code == 403
    assert api_for(beta, "owner").post(f"/api/v1/conversations/{ana.pk}/clear-flag").status_code == 404
    with tenant_context(alpha.creator):
        assert Conversation.objects.get(pk=ana.pk).flagged_at is not None


def test_the_inbox_shows_flagged_conversations_first_with_a_badge(alpha, flagged):
    ana, calm = flagged
    listing = client_for(alpha.creator, alpha.coach).get("/hub/inbox/?partial=1").content.decode()
    assert listing.index(str(ana.pk)) < listing.index(str(calm.pk))
    assert listing.count("Possible crisis") == 1


def test_the_conversation_page_explains_the_flag_and_clears_it(alpha, beta, flagged):
    ana, _ = flagged
    coach = client_for(alpha.creator, alpha.coach)
    page = coach.get(f"/hub/inbox/{ana.pk}/").content.decode()
    assert 'data-testid="crisis-banner"' in page and "self-harm" in page
    assert client_for(alpha.creator, alpha.analyst).post(f"/hub/inbox/{ana.pk}/clear-flag/").status_code == 403
    assert client_for(beta.creator, beta.owner).post(f"/hub/inbox/{ana.pk}/clear-flag/").status_code == 404
    assert coach.get(f"/hub/inbox/{ana.pk}/clear-flag/").status_code == 405
    response = coach.post(f"/hub/inbox/{ana.pk}/clear-flag/")
    assert response.status_code == 302 and response["Location"] == f"/hub/inbox/{ana.pk}/"
    assert 'data-testid="crisis-banner"' not in coach.get(f"/hub/inbox/{ana.pk}/").content.decode()


def test_the_banner_is_in_spanish_for_a_spanish_hub(alpha, flagged):
    ana, _ = flagged
    coach = client_for(alpha.creator, alpha.coach)
    coach.cookies["django_language"] = "es"
    assert 'data-testid="crisis-banner"' in coach.get(f"/hub/inbox/{ana.pk}/").content.decode()


# --- The bell ------------------------------------------------------------------------------------


def bell(page: str) -> str:
    start = page.index('data-testid="bell"')
    return page[start : page.index("</a>", start)]


def test_the_bell_counts_only_the_members_own_unread_notifications(alpha, flagged):
    """The crisis notified the owner and the coach (who answer conversations), not the analyst."""
    with tenant_context(alpha.creator):
        assert set(TeamNotification.objects.values_list("user_id", flat=True)) == {alpha.owner.pk, alpha.coach.pk}
        TeamNotification.objects.create(user_id=alpha.owner.pk, kind=TeamNotification.Kind.HUMAN_REQUESTED)
    assert '"badge failed">1<' in bell(client_for(alpha.creator, alpha.coach).get("/hub/").content.decode())
    assert '"badge failed">2<' in bell(client_for(alpha.creator, alpha.owner).get("/hub/").content.decode())
    assert "badge" not in bell(client_for(alpha.creator, alpha.analyst).get("/hub/").content.decode())


def test_the_bell_costs_one_query_per_page(alpha, flagged):
    coach = client_for(alpha.creator, alpha.coach)
    with CaptureQueriesContext(connection) as queries:
        assert coach.get("/hub/").status_code == 200
    counted = [q["sql"] for q in queries.captured_queries if "teamnotification" in q["sql"]]
    assert len(counted) == 1


def test_the_list_names_the_person_and_links_the_conversation_without_their_words(alpha, beta, flagged):
    ana, _ = flagged
    with tenant_context(alpha.creator):
        visitor = Contact.objects.create(anonymous=True)
        team_notify(kind=TeamNotification.Kind.HUMAN_REQUESTED, contact=visitor)
    page = client_for(alpha.creator, alpha.coach).get("/hub/notifications/").content.decode()
    rows = page[page.index('<ul class="plain notifications">') :]
    assert "A person may be in crisis" in rows and "Ana" in rows and f"/hub/inbox/{ana.pk}/" in rows
    assert "A person asked to talk to someone from the team" in rows and "a visitor" in rows
    assert rows.index("a visitor") < rows.index("Ana")  # newest first
    assert "end it all" not in page
    assert client_for(alpha.creator, beta.owner).get("/hub/notifications/").status_code == 403
    with tenant_context(beta.creator):
        assert not TeamNotification.objects.exists()


def test_a_member_marks_one_notification_read_and_then_all(alpha):
    with tenant_context(alpha.creator):
        first, second = (
            TeamNotification.objects.create(user_id=alpha.coach.pk, kind=TeamNotification.Kind.CRISIS) for _ in "ab"
        )
        owners = TeamNotification.objects.create(user_id=alpha.owner.pk, kind=TeamNotification.Kind.CRISIS)
    coach = client_for(alpha.creator, alpha.coach)
    assert coach.get(f"/hub/notifications/{first.pk}/read/").status_code == 405
    assert coach.post(f"/hub/notifications/{owners.pk}/read/").status_code == 302  # not theirs: nothing changes
    assert coach.post("/hub/notifications/not-an-id/read/").status_code == 404
    response = coach.post(f"/hub/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/hub/notifications/"
    with tenant_context(alpha.creator):
        unread = set(TeamNotification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
        assert unread == {second.pk, owners.pk}
    assert coach.post("/hub/notifications/read/").status_code == 302
    with tenant_context(alpha.creator):
        assert list(TeamNotification.objects.filter(read_at__isnull=True).values_list("pk", flat=True)) == [owners.pk]


# --- Contacts' language --------------------------------------------------------------------------


def test_the_team_sets_a_contacts_language_which_fixes_it(alpha):
    with tenant_context(alpha.creator):
        contact = ContactFactory()
    api = api_for(alpha)
    url = f"/api/v1/contacts/{contact.pk}"
    assert api.get(url).json()["language"] == "" and api.get(url).json()["language_fixed"] is False
    patched = api.patch(url, {"language": "es"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["language"] == "es" and patched.json()["language_fixed"]
    loose = api.patch(url, {"language": "en", "language_fixed": False}, content_type="application/json").json()
    assert loose["language"] == "en" and loose["language_fixed"] is False
    assert api.patch(url, {"language": "fr"}, content_type="application/json").status_code == 400
    with tenant_context(alpha.creator):
        assert Contact.objects.values_list("language", "language_fixed").get(pk=contact.pk) == ("en", False)
