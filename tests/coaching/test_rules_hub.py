"""The hub's Rules pages: a rule built from the form (errors next to their field), its page after the
engine ran (decisions, the effect and "not enough data", the dry run), approvals approved, edited
and rejected from the page, one person's decisions, the sending window's limits; analysts are
refused, and no creator reaches another's rules or approvals."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from coaching.models import ProactiveSettings, Rule, RuleDecision
from coaching.services.rules import rule_create
from conversations.models import Message
from tests.coaching.conftest import local
from tests.conftest import client_for
from tests.factories import ConversationFactory, MessageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("madrid_creator")]
HTMX = {"HTTP_HX_REQUEST": "true"}


class Alternating:
    """The holdout's draws: sent, held back, sent, held back… (with a 50% holdout)."""

    def __init__(self) -> None:
        self.draws = 0

    def random(self) -> float:
        self.draws += 1
        return 0.9 if self.draws % 2 else 0.1


def person_who_wrote(at: datetime, name: str):
    conversation = ConversationFactory(outlet="app", contact__display_name=name)
    MessageFactory(conversation=conversation, author=Message.Author.USER, text="hola", created_at=at)
    return conversation


def owner_of(team) -> Client:
    return client_for(team.creator, team.owner)


def rule_body(**fields) -> dict:
    body = {
        "name": "Checking in", "trigger": "no_reply", "days": "2", "metric": "", "threshold": "", "program": "",
        "tags": "", "action": "fixed_message", "message": "Hi {name}, how are you?", "step_day": "",
        "holdout_percent": "10", "target_metric": "", "whatsapp_template": "", "whatsapp_template_language": "",
    }  # fmt: skip
    return {**body, **fields}


def test_the_owner_builds_a_rule_from_the_form_and_sees_errors_next_to_the_fields(alpha):
    hub = owner_of(alpha)
    assert 'href="/hub/rules/"' in hub.get("/hub/").content.decode()
    listing = hub.get("/hub/rules/").content.decode()
    assert "No rules yet." in listing and 'href="/hub/rules/new/"' in listing
    form = hub.get("/hub/rules/new/")
    assert form.status_code == 200 and 'name="holdout_percent"' in form.content.decode()
    assert 'value="10"' in form.content.decode(), "the holdout defaults to 10%"

    bad = hub.post("/hub/rules/new/", rule_body(days="", holdout_percent="95", program="not-a-program"))
    page = bad.content.decode()
    assert bad.status_code == 400
    assert 'data-testid="error-holdout_percent"' in page and 'data-testid="error-program"' in page
    missing = hub.post("/hub/rules/new/", rule_body(days="", trigger="no_reply"))
    assert missing.status_code == 400 and 'data-testid="error-days"' in missing.content.decode()
    threshold = hub.post("/hub/rules/new/", rule_body(trigger="metric_below", metric="sleep_hours"))
    assert 'data-testid="error-threshold"' in threshold.content.decode(), "the service's error, on its field"
    fixed = hub.post("/hub/rules/new/", rule_body(message="  "))
    assert 'data-testid="error-message"' in fixed.content.decode()
    with tenant_context(alpha.creator):
        assert not Rule.objects.exists()

    made = hub.post("/hub/rules/new/", rule_body(holdout_percent="50", tags="VIP, early , ", needs_approval="on"))
    assert made.status_code == 302
    with tenant_context(alpha.creator):
        rule = Rule.objects.get()
        assert (rule.days, rule.holdout_percent, rule.tags, rule.needs_approval) == (2, 50, ["early", "vip"], True)
    assert made["Location"] == f"/hub/rules/{rule.pk}/"
    listing = hub.get("/hub/rules/").content.decode()
    assert "Checking in" in listing and "No reply for some days: 2 days" in listing and "50 %" in listing

    edit = hub.get(f"/hub/rules/{rule.pk}/edit/").content.decode()
    assert 'value="early, vip"' in edit and "Checking in" in edit
    assert hub.post(f"/hub/rules/{rule.pk}/edit/", rule_body(name="Still there?", days="3")).status_code == 302
    assert hub.post(f"/hub/rules/{rule.pk}/toggle/").status_code == 302
    with tenant_context(alpha.creator):
        rule.refresh_from_db()
        assert (rule.name, rule.days, rule.enabled, rule.tags) == ("Still there?", 3, False, [])
    assert "Off" in hub.get(f"/hub/rules/{rule.pk}/").content.decode()
    assert hub.post(f"/hub/rules/{rule.pk}/delete/")["Location"] == "/hub/rules/"
    with tenant_context(alpha.creator):
        assert not Rule.objects.exists()


def test_the_rule_page_shows_the_dry_run_then_decisions_and_the_effect_after_the_engine_ran(
    alpha, clock, rules_drive, committed, monkeypatch
):
    monkeypatch.setattr("coaching.services.rules.holdout_random", Alternating())
    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        people = [person_who_wrote(local(0, 10), name) for name in ("Ana", "Luis", "Eva", "Marta")]
        with committed():
            rule = rule_create(name="Checking in", trigger="no_reply", days=2, action="fixed_message",
                               message="Hi {name}, how are you?", holdout_percent=50)  # fmt: skip
    hub, base = owner_of(alpha), f"/hub/rules/{rule.pk}/"

    before = hub.get(base).content.decode()
    assert "What the next 7 days would bring" in before
    assert before.count('data-testid="preview-row"') == 4
    assert "Wed 4 Nov, 10:00" in before and "Europe/Madrid" in before, "when, in the person's time"
    assert "About 50% of these would be held back at random" in before
    assert "Not enough data yet: 0 sent and 0 held back so far; at least 20 in each group are needed." in before

    rules_drive(local(2, 10, 5))
    with tenant_context(alpha.creator):
        outcomes = sorted(RuleDecision.objects.values_list("outcome", flat=True))
        assert outcomes == ["held_back", "held_back", "sent", "sent"]
        replier = RuleDecision.objects.filter(outcome="sent").select_related("contact").first().contact
        conversation = next(c for c in people if c.contact_id == replier.pk)
        MessageFactory(conversation=conversation, author=Message.Author.USER, text="¡bien!", created_at=local(2, 12))
    clock.clock_set(local(4, 11))

    page = hub.get(base).content.decode()
    assert page.count('data-testid="decision"') == 4
    assert "Held back (comparison group)" in page and "Held back at random to measure the rule&#x27;s effect" in page
    assert "Hi Ana, how are you?" in page or "Hi Luis, how are you?" in page or "Hi Eva, how are you?" in page
    assert "Wed 4 Nov, 10:05" in page, "decisions in the creator's time"
    assert "Not enough data yet: 2 sent and 2 held back so far; at least 20 in each group are needed." in page
    assert "50.0 %" in page and "0.0 %" in page, "reply rates: sent 1 of 2, held back 0 of 2"
    assert "Difference: 50.0 percentage points" in page
    dry_run = page.split('data-testid="dry-run"')[1].split("</section>")[0]
    assert replier.display_name in dry_run, "who replied would be nudged again two days after"
    assert dry_run.count('data-testid="preview-row"') == 1

    held = hub.get(f"{base}?outcome=held_back", **HTMX)
    partial = held.content.decode()
    assert "<html" not in partial and partial.count('data-testid="decision"') == 2
    assert "Sent</span>" not in partial
    whole = hub.get(f"{base}?outcome=sent").content.decode()
    assert whole.count('data-testid="decision"') == 2 and 'value="sent" selected' in whole

    person = hub.get(f"/hub/rules/people/{replier.pk}/").content.decode()
    assert f'href="/hub/rules/people/{replier.pk}/"' in page
    assert "Checking in" in person and person.count('data-testid="decision"') == 1 and "Sent" in person
    assert hub.get("/hub/rules/people/not-an-id/").status_code == 404


def test_the_team_approves_edits_and_rejects_from_the_approvals_page(alpha, clock, rules_drive, committed):
    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        people = {name: person_who_wrote(local(0, 10), name) for name in ("Ana", "Luis", "Eva", "Marta")}
        with committed():
            rule_create(name="Checking in", trigger="no_reply", days=2, action="fixed_message",
                        message="Hi {name}, how are you?", holdout_percent=0, needs_approval=True)  # fmt: skip
    rules_drive(local(2, 10, 5))
    hub = client_for(alpha.creator, alpha.coach)
    assert 'href="/hub/approvals/"' in hub.get("/hub/").content.decode()
    page = hub.get("/hub/approvals/").content.decode()
    assert page.count('data-testid="approval"') == 4 and "Hi Ana, how are you?" in page
    assert "Expires Thu 5 Nov, 10:05" in page
    with tenant_context(alpha.creator):
        waiting = {d.contact.display_name: d for d in RuleDecision.objects.select_related("contact")}

    def decide(name: str, **body):
        return hub.post(f"/hub/approvals/{waiting[name].pk}/", body)

    assert decide("Ana", decision="approve", text="Ana, a quick hello from me!\r\n")["Location"] == "/hub/approvals/"
    assert decide("Luis", decision="approve", text="Hi Luis, how are you?").status_code == 302
    assert decide("Eva", decision="reject", text="").status_code == 302
    empty = decide("Marta", decision="approve", text="   ")
    assert empty.status_code == 400 and 'data-testid="error-text"' in empty.content.decode()
    again = hub.post(f"/hub/approvals/{waiting['Eva'].pk}/", {"decision": "approve", "text": "x"}, follow=True)
    assert "no longer waiting for approval" in again.content.decode()
    with tenant_context(alpha.creator):
        decided = {d.contact.display_name: (d.outcome, d.reason, d.text) for d in RuleDecision.objects.all()}
    assert decided["Ana"] == ("scheduled", "approved_edited", "Ana, a quick hello from me!")
    assert decided["Luis"] == ("scheduled", "approved", "Hi Luis, how are you?")
    assert decided["Eva"][:2] == ("rejected", "rejected") and decided["Marta"][0] == "awaiting"
    left = hub.get("/hub/approvals/").content.decode()
    assert left.count('data-testid="approval"') == 1 and "Hi Marta, how are you?" in left
    rules_drive(local(2, 10, 10))
    with tenant_context(alpha.creator):
        ana = people["Ana"]
        assert list(ana.messages.filter(author=Message.Author.AI).values_list("text", flat=True)) == [
            "Ana, a quick hello from me!"
        ]
    assert hub.post("/hub/approvals/not-an-id/", {"decision": "reject"}).status_code == 404


def test_the_sending_window_form_sets_the_daily_cap_and_the_approval_hours(alpha):
    hub = owner_of(alpha)
    page = hub.get("/hub/programs/").content.decode()
    assert "Messages the coach starts per person per day" in page and 'name="daily_cap"' in page
    assert 'name="approval_hours" min="1" max="168" value="24"' in page
    body = {"start": "09:00", "end": "20:00", "daily_cap": "3", "approval_hours": "12"}
    assert hub.post("/hub/programs/window/", body).status_code == 302
    with tenant_context(alpha.creator):
        row = ProactiveSettings.objects.get()
        assert (row.window_start.hour, row.window_end.hour, row.daily_cap, row.approval_hours) == (9, 20, 3, 12)
    refused = hub.post("/hub/programs/window/", {**body, "daily_cap": "0"}, follow=True).content.decode()
    assert "Messages the coach starts per person per day" in refused
    assert hub.post("/hub/programs/window/", {"start": "08:00", "end": "21:00"}).status_code == 302
    with tenant_context(alpha.creator):
        row = ProactiveSettings.objects.get()
        assert (row.window_start.hour, row.daily_cap, row.approval_hours) == (8, 3, 12), "missing limits are kept"


def test_analysts_cannot_see_or_change_rules_or_approvals(alpha):
    with tenant_context(alpha.creator):
        rule = rule_create(name="Checking in", trigger="no_reply", days=2, action="notify_team")
    analyst, base = client_for(alpha.creator, alpha.analyst), f"/hub/rules/{rule.pk}/"
    assert analyst.get("/hub/rules/").status_code == 403
    assert analyst.get("/hub/rules/new/").status_code == 403
    assert analyst.post("/hub/rules/new/", rule_body()).status_code == 403
    assert analyst.get(base).status_code == 403
    assert analyst.post(f"{base}edit/", rule_body(name="Mine")).status_code == 403
    assert analyst.post(f"{base}toggle/").status_code == 403
    assert analyst.post(f"{base}delete/").status_code == 403
    assert analyst.get("/hub/approvals/").status_code == 403
    home = analyst.get("/hub/").content.decode()
    assert 'href="/hub/rules/"' not in home and 'href="/hub/approvals/"' not in home
    with tenant_context(alpha.creator):
        rule.refresh_from_db()
        assert rule.enabled and rule.name == "Checking in"


def test_another_creators_rules_approvals_and_people_are_not_found(alpha, beta, clock, rules_drive, committed):
    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        ana = person_who_wrote(local(0, 10), "Ana")
        with committed():
            rule = rule_create(name="Alpha's nudge", trigger="no_reply", days=2, action="fixed_message",
                               message="Alpha says hi", holdout_percent=0, needs_approval=True)  # fmt: skip
    rules_drive(local(2, 10, 5))
    with tenant_context(alpha.creator):
        decision = RuleDecision.objects.get()
    beta_hub, base = owner_of(beta), f"/hub/rules/{rule.pk}/"
    assert "Alpha&#x27;s nudge" not in beta_hub.get("/hub/rules/").content.decode()
    assert beta_hub.get(base).status_code == 404
    assert beta_hub.get(f"{base}edit/").status_code == 404
    assert beta_hub.post(f"{base}edit/", rule_body()).status_code == 404
    assert beta_hub.post(f"{base}toggle/").status_code == 404
    assert beta_hub.post(f"{base}delete/").status_code == 404
    assert beta_hub.get(f"/hub/rules/people/{ana.contact_id}/").status_code == 404
    assert "Alpha says hi" not in beta_hub.get("/hub/approvals/").content.decode()
    assert beta_hub.post(f"/hub/approvals/{decision.pk}/", {"decision": "reject"}).status_code == 404
    with tenant_context(alpha.creator):
        decision.refresh_from_db()
        assert decision.outcome == "awaiting" and Rule.objects.filter(pk=rule.pk, enabled=True).exists()


def test_the_bells_approval_notice_opens_the_messages_waiting(alpha, clock, rules_drive, committed):
    clock.clock_set(local(0, 10))
    with tenant_context(alpha.creator):
        person_who_wrote(local(0, 10), "Ana")
        with committed():
            rule_create(name="Ask first", trigger="no_reply", days=2, action="ai_message", needs_approval=True,
                        holdout_percent=0)  # fmt: skip
    rules_drive(local(2, 10, 5))
    page = owner_of(alpha).get("/hub/notifications/").content.decode()
    assert "A message waits for your approval" in page and 'href="/hub/approvals/"' in page
    assert "a visitor" not in page
