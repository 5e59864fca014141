"""Rules, approvals and decisions over API v1, as a developer on the creator's team makes a rule,
looks at its dry run, lets the engine run, approves what the coach wrote and reads what happened."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from coaching.models import Rule, RuleDecision
from conversations.models import Message
from tests.coaching.conftest import local
from tests.factories import ConversationFactory, MessageFactory, bearer, host

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("madrid_creator")]
JSON = "application/json"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
SILENCE = {
    "name": "Checking in", "trigger": "no_reply", "days": 2, "action": "fixed_message",
    "message": "Hi {name}, how are you?", "holdout_percent": 0,
}  # fmt: skip


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def api_for(team, role: str = "coach") -> Client:
    client = Client(**host(team.creator))
    client.defaults.update(bearer(team.member(role), team.creator))
    return client


def post(api: Client, url: str, body: dict | list | None = None, status: int = 201, **headers) -> dict:
    response = api.post(url, body if body is not None else {}, content_type=JSON, **headers)
    assert response.status_code == status, response.content
    return response.json()


def patch(api: Client, url: str, body: dict, status: int = 200) -> dict:
    response = api.patch(url, body, content_type=JSON)
    assert response.status_code == status, response.content
    return response.json()


def get(api: Client, url: str, status: int = 200) -> dict:
    response = api.get(url)
    assert response.status_code == status, response.content
    return response.json()


def person_who_wrote(team, at: datetime, name: str = "Ana García"):
    with tenant_context(team.creator):
        conversation = ConversationFactory(outlet="app", contact__display_name=name)
        MessageFactory(conversation=conversation, author=Message.Author.USER, text="hola", created_at=at)
    return conversation


def nudges(team, conversation) -> list[str]:
    with tenant_context(team.creator):
        sent = conversation.messages.filter(author=Message.Author.AI, in_reply_to__isnull=True)
        return list(sent.values_list("text", flat=True))


def program_in(api: Client) -> dict:
    return post(api, "/api/v1/programs", {"name": "Sleep better"})


class Arms:
    """The holdout's draws in a known order: 0.99 is sent, 0.0 held back (at a 50% holdout)."""

    def __init__(self, *draws: float) -> None:
        self.draws = list(draws)

    def random(self) -> float:
        return self.draws.pop(0)


# --- Making rules ---------------------------------------------------------------------------------


def test_a_rule_is_made_listed_edited_switched_off_and_on_and_deleted(alpha, clock):
    api = api_for(alpha)
    program = program_in(api)
    made = post(api, "/api/v1/rules", {"name": "Quiet ones", "trigger": "no_reply", "days": 3,
                                       "program": program["id"], "tags": [" vip ", "vip", "beta"]})  # fmt: skip
    assert made["enabled"] is True and made["action"] == "ai_message" and made["holdout_percent"] == 10
    assert made["program"] == program["id"] and made["tags"] == ["beta", "vip"]
    assert made["needs_approval"] is False and made["evaluated_at"] is None and made["threshold"] is None
    url = f"/api/v1/rules/{made['id']}"
    assert get(api, url) == made
    assert [rule["id"] for rule in get(api, "/api/v1/rules")["results"]] == [made["id"]]

    edited = patch(api, url, {"name": "Quiet for a while", "holdout_percent": 50, "program": None})
    assert (edited["name"], edited["holdout_percent"], edited["program"]) == ("Quiet for a while", 50, None)
    assert edited["days"] == 3 and edited["enabled"] is True, "a PATCH leaves the rest as it was"
    fixed = patch(api, url, {"action": "fixed_message", "message": "Hi {name}!", "needs_approval": True})
    assert fixed["action"] == "fixed_message" and fixed["message"] == "Hi {name}!"

    assert post(api, f"{url}/disable", status=200)["enabled"] is False
    assert get(api, "/api/v1/rules?enabled=false")["results"][0]["id"] == made["id"]
    assert get(api, "/api/v1/rules?enabled=true")["results"] == []
    assert post(api, f"{url}/enable", status=200)["enabled"] is True
    assert post(api, f"{url}/enable", status=200)["enabled"] is True, "switching on twice is harmless"

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404
    assert get(api, "/api/v1/rules")["results"] == []


def test_a_retried_create_with_the_same_idempotency_key_makes_one_rule(alpha):
    api = api_for(alpha)
    first = post(api, "/api/v1/rules", SILENCE, HTTP_IDEMPOTENCY_KEY="rule-1")
    again = post(api, "/api/v1/rules", SILENCE, HTTP_IDEMPOTENCY_KEY="rule-1")
    assert first["id"] == again["id"]
    with tenant_context(alpha.creator):
        assert Rule.objects.count() == 1


def test_unknown_fields_and_read_only_fields_are_ignored(alpha):
    api = api_for(alpha)
    made = post(api, "/api/v1/rules", {**SILENCE, "colour": "red", "id": UNKNOWN, "evaluated_at": "2020-01-01T00:00Z"})
    assert made["id"] != UNKNOWN and made["evaluated_at"] is None and "colour" not in made


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"trigger": "full_moon"}, "trigger"),
        ({"trigger": None}, "trigger"),
        ({"action": "dance"}, "action"),
        ({"days": "two"}, "days"),
        ({"days": 0}, "days"),
        ({"days": 366}, "days"),
        ({"days": 2.5}, "days"),
        ({"days": None}, "days"),  # a silence rule needs its days (the service says so)
        ({"holdout_percent": 91}, "holdout_percent"),
        ({"holdout_percent": -1}, "holdout_percent"),
        ({"holdout_percent": "half"}, "holdout_percent"),
        ({"holdout_percent": None}, "holdout_percent"),
        ({"tags": "vip"}, "tags"),
        ({"tags": [{"tag": "vip"}]}, "tags"),
        ({"tags": ["x" * 41]}, "tags"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"metric": "two words"}, "metric"),
        ({"trigger": "metric_below", "metric": "sleep_hours"}, "threshold"),
        ({"trigger": "metric_below", "metric": "sleep_hours", "threshold": "low"}, "threshold"),
        ({"trigger": "metric_below", "metric": "sleep_hours", "threshold": 1e12}, "threshold"),
        ({"trigger": "metric_above", "threshold": 3}, "metric"),
        ({"trigger": "step_due", "days": None}, "program"),
        ({"message": ""}, "message"),  # a fixed message needs its words
        ({"message": "x" * 2001}, "message"),
        ({"action": "move_to_step"}, "step_day"),
        ({"step_day": -1}, "step_day"),
        ({"step_day": 731}, "step_day"),
        ({"program": "not-a-uuid"}, "program"),
        ({"program": UNKNOWN}, "program"),
        ({"enabled": "maybe"}, "enabled"),
        ({"needs_approval": [True]}, "needs_approval"),
        ({"whatsapp_template": "x" * 101}, "whatsapp_template"),
        ({"whatsapp_template_language": "x" * 11}, "whatsapp_template_language"),
        ({"target_metric": "sleep hours"}, "target_metric"),
    ],
)
def test_a_bad_rule_is_refused_with_the_field_named(alpha, body, field):
    api = api_for(alpha)
    refused = post(api, "/api/v1/rules", {**SILENCE, **body}, status=400)
    assert refused["error"]["code"] == "invalid"
    assert field in refused["error"]["fields"], refused
    with tenant_context(alpha.creator):
        assert not Rule.objects.exists()


def test_a_bad_edit_is_refused_and_changes_nothing(alpha):
    api = api_for(alpha)
    rule = post(api, "/api/v1/rules", SILENCE)
    url = f"/api/v1/rules/{rule['id']}"
    for body, field in [
        ({"holdout_percent": 95}, "holdout_percent"),
        ({"days": None}, "days"),
        ({"trigger": "metric_below"}, "metric"),
        ({"name": ""}, "name"),
        ({"tags": [1, ["nested"]]}, "tags"),
    ]:
        assert field in patch(api, url, body, status=400)["error"]["fields"], body
    assert get(api, url) == rule
    nameless = {key: value for key, value in SILENCE.items() if key != "name"}
    assert "name" in post(api, "/api/v1/rules", nameless, status=400)["error"]["fields"]
    not_an_object = post(api, "/api/v1/rules", ["a", "list"], status=400)
    assert not_an_object["error"]["code"] == "invalid"
    assert api.get(f"/api/v1/rules/{UNKNOWN}").status_code == 404
    assert api.get("/api/v1/rules/not-a-uuid").status_code == 404
    assert api.patch(f"/api/v1/rules/{UNKNOWN}", {"name": "x"}, content_type=JSON).status_code == 404
    assert api.post(f"/api/v1/rules/{UNKNOWN}/disable").status_code == 404


# --- The dry run, decisions and the effect --------------------------------------------------------


def test_the_dry_run_lists_a_silent_person_with_the_time_the_nudge_would_go(alpha, clock):
    clock.clock_set(local(0, 10))
    ana = person_who_wrote(alpha, local(0, 10))
    person_who_wrote(alpha, local(0, 9), name="Eva")
    api = api_for(alpha)
    rule = post(api, "/api/v1/rules", SILENCE)
    plan = get(api, f"/api/v1/rules/{rule['id']}/preview")
    assert plan["total"] == 2 and when(plan["start"]) == local(0, 10) and when(plan["end"]) == local(7, 10)
    assert plan["results"][1]["contact"] == {"id": str(ana.contact_id), "display_name": "Ana García"}
    by_name = {row["contact"]["display_name"]: row for row in plan["results"]}
    assert when(by_name["Eva"]["at"]) == local(2, 9) and when(by_name["Ana García"]["at"]) == local(2, 10)
    assert by_name["Ana García"]["outcome"] == "would_send" and by_name["Ana García"]["reason"] == ""
    assert by_name["Ana García"]["context"] == {"days": 2} and by_name["Ana García"]["needs_approval"] is False
    assert [row["contact"]["display_name"] for row in plan["results"]] == ["Eva", "Ana García"], "soonest first"
    with tenant_context(alpha.creator):
        assert not RuleDecision.objects.exists(), "a dry run decides nothing"


def test_decisions_and_the_effect_after_the_engine_ran(alpha, clock, rules_drive, committed, monkeypatch):
    clock.clock_set(local(0, 10))
    ana = person_who_wrote(alpha, local(0, 10))
    luis = person_who_wrote(alpha, local(0, 10), name="Luis")
    api = api_for(alpha)
    with committed():
        rule = post(api, "/api/v1/rules", {**SILENCE, "holdout_percent": 50})
    monkeypatch.setattr("coaching.services.rules.holdout_random", Arms(0.99, 0.0))
    rules_drive(local(2, 10, 5))
    url = f"/api/v1/rules/{rule['id']}"

    decisions = get(api, f"{url}/decisions")["results"]
    assert sorted(d["outcome"] for d in decisions) == ["held_back", "sent"]
    held = next(d for d in decisions if d["outcome"] == "held_back")
    sent = next(d for d in decisions if d["outcome"] == "sent")
    assert held["reason"] == "holdout" and held["reason_text"] == "Held back at random to measure the rule's effect"
    assert held["context"] == sent["context"] == {"days": 2}
    assert held["rule"] == sent["rule"] == rule["id"]
    assert when(sent["fired_at"]) == local(2, 10, 5) and when(sent["decided_at"]) == local(2, 10, 5)
    assert sent["trigger_key"] and sent["reason_text"] == ""
    sent_to = ana if sent["contact"] == str(ana.contact_id) else luis
    assert nudges(alpha, sent_to) == [sent["text"]]
    assert get(api, f"{url}/decisions?outcome=held_back")["results"] == [held]
    assert len(get(api, f"{url}/decisions?limit=1")["results"]) == 1 and get(api, f"{url}/decisions?limit=1")["next"]

    mine = get(api, f"/api/v1/contacts/{sent['contact']}/decisions")
    assert [d["id"] for d in mine["results"]] == [sent["id"]]
    assert get(api, f"/api/v1/contacts/{UNKNOWN}/decisions", status=404)["error"]["code"] == "not_found"

    early = get(api, f"{url}/effect")
    assert early["waiting"] == 2 and early["enough_data"] is False, "nobody replied yet, but they still may"
    clock.clock_set(local(5, 10))
    effect = get(api, f"{url}/effect")
    assert effect["sent"]["firings"] == 1 and effect["held_back"]["firings"] == 1 and effect["waiting"] == 0
    assert effect["sent"]["replied"] == effect["held_back"]["replied"] == 0
    assert effect["enough_data"] is False and effect["minimum_per_group"] == 20
    assert effect["reply_within_48h"]["difference"] == 0.0

    assert get(api, f"{url}/preview")["total"] == 0, "what was decided is not planned again"


# --- Approvals ------------------------------------------------------------------------------------


def test_the_team_approves_edits_and_rejects_what_the_coach_wrote(alpha, clock, rules_drive, committed):
    clock.clock_set(local(0, 10))
    people = {name: person_who_wrote(alpha, local(0, 10), name=name) for name in ("Ana", "Luis", "Eva")}
    api = api_for(alpha)
    with committed():
        rule = post(api, "/api/v1/rules", {**SILENCE, "action": "ai_message", "message": "", "needs_approval": True})
    plan = get(api, f"/api/v1/rules/{rule['id']}/preview")
    assert {row["needs_approval"] for row in plan["results"]} == {True}
    rules_drive(local(2, 10, 5))

    waiting = get(api, "/api/v1/approvals")["results"]
    assert len(waiting) == 3 and {d["outcome"] for d in waiting} == {"awaiting"}
    by_name = {d["contact_name"]: d for d in waiting}
    ana, luis, eva = by_name["Ana"], by_name["Luis"], by_name["Eva"]
    assert ana["rule_name"] == "Checking in" and ana["text"].startswith("Hi Ana!")
    assert when(ana["expires_at"]) == local(3, 10, 5)
    assert all(nudges(alpha, c) == [] for c in people.values()), "nothing goes before approval"

    edited = patch(api, f"/api/v1/approvals/{ana['id']}", {"text": "  Ana, a quick hello from me!  "})
    assert edited["text"] == "Ana, a quick hello from me!" and edited["outcome"] == "awaiting"
    assert get(api, f"/api/v1/approvals/{ana['id']}")["text"] == "Ana, a quick hello from me!"
    approved = post(api, f"/api/v1/approvals/{ana['id']}/approve", status=200)
    assert (approved["outcome"], approved["reason"]) == ("scheduled", "approved_edited"), "edited, then approved"
    assert approved["decided_by"] == alpha.coach.email and approved["reason_text"] == "Approved with changes"
    luis_done = post(api, f"/api/v1/approvals/{luis['id']}/approve", {"text": "Luis, hello!"}, status=200)
    assert (luis_done["outcome"], luis_done["reason"]) == ("scheduled", "approved_edited")
    assert luis_done["text"] == "Luis, hello!"
    rejected = post(api, f"/api/v1/approvals/{eva['id']}/reject", status=200)
    assert (rejected["outcome"], rejected["reason"]) == ("rejected", "rejected") and rejected["decided_at"]
    assert get(api, "/api/v1/approvals")["results"] == []

    for method, path, body in [
        ("post", f"/api/v1/approvals/{eva['id']}/approve", {}),
        ("post", f"/api/v1/approvals/{eva['id']}/reject", {}),
        ("post", f"/api/v1/approvals/{ana['id']}/approve", {"text": "Again"}),
        ("patch", f"/api/v1/approvals/{ana['id']}", {"text": "Too late"}),
    ]:
        response = getattr(api, method)(path, body, content_type=JSON)
        assert response.status_code == 409, (method, path)
        error = response.json()["error"]
        assert error["code"] == "not_waiting" and "no longer waiting" in error["message"], error
    assert get(api, f"/api/v1/approvals/{eva['id']}")["outcome"] == "rejected"

    rules_drive(local(2, 10, 6))
    assert nudges(alpha, people["Ana"]) == ["Ana, a quick hello from me!"]
    assert nudges(alpha, people["Luis"]) == ["Luis, hello!"]
    assert nudges(alpha, people["Eva"]) == []
    contact_history = get(api, f"/api/v1/contacts/{people['Eva'].contact_id}/decisions")["results"]
    assert [(d["outcome"], d["reason_text"]) for d in contact_history] == [("rejected", "Rejected by the team")]


def test_a_bad_approval_text_is_refused_and_the_message_keeps_waiting(alpha, clock, rules_drive, committed):
    clock.clock_set(local(0, 10))
    person_who_wrote(alpha, local(0, 10))
    api = api_for(alpha)
    with committed():
        post(api, "/api/v1/rules", {**SILENCE, "needs_approval": True})
    rules_drive(local(2, 10, 5))
    (waiting,) = get(api, "/api/v1/approvals")["results"]
    assert waiting["text"] == "Hi Ana, how are you?", "a fixed message waits for approval too"
    url = f"/api/v1/approvals/{waiting['id']}"
    for method, path, body in [
        ("patch", url, {"text": "   "}),
        ("patch", url, {"text": "x" * 4001}),
        ("patch", url, {}),
        ("patch", url, {"text": ["a", "list"]}),
        ("post", f"{url}/approve", {"text": ""}),
        ("post", f"{url}/approve", {"text": "x" * 4001}),
    ]:
        response = getattr(api, method)(path, body, content_type=JSON)
        assert response.status_code == 400, (method, body)
        assert "text" in response.json()["error"]["fields"], (method, body)
    assert get(api, url)["outcome"] == "awaiting" and get(api, url)["text"] == "Hi Ana, how are you?"
    assert api.post(f"/api/v1/approvals/{UNKNOWN}/approve").status_code == 404
    assert api.post("/api/v1/approvals/not-a-uuid/reject").status_code == 404
    assert api.patch(f"/api/v1/approvals/{UNKNOWN}", {"text": "x"}, content_type=JSON).status_code == 404


# --- Who may do what ------------------------------------------------------------------------------


def test_analysts_read_rules_and_their_effect_but_change_nothing_and_see_no_personal_data(
    alpha, clock, rules_drive, committed
):
    clock.clock_set(local(0, 10))
    ana = person_who_wrote(alpha, local(0, 10))
    coach = api_for(alpha)
    with committed():
        rule = post(coach, "/api/v1/rules", {**SILENCE, "needs_approval": True})
    rules_drive(local(2, 10, 5))
    (waiting,) = get(coach, "/api/v1/approvals")["results"]
    analyst = api_for(alpha, "analyst")
    url = f"/api/v1/rules/{rule['id']}"

    assert get(analyst, "/api/v1/rules")["results"][0]["id"] == rule["id"]
    assert get(analyst, url)["id"] == rule["id"]
    assert get(analyst, f"{url}/effect")["sent"]["firings"] == 0
    for method, path, body in [
        ("post", "/api/v1/rules", SILENCE),
        ("patch", url, {"name": "Renamed"}),
        ("delete", url, None),
        ("post", f"{url}/disable", None),
        ("post", f"{url}/enable", None),
        ("get", f"{url}/preview", None),
        ("get", f"{url}/decisions", None),
        ("get", "/api/v1/approvals", None),
        ("get", f"/api/v1/approvals/{waiting['id']}", None),
        ("patch", f"/api/v1/approvals/{waiting['id']}", {"text": "Mine"}),
        ("post", f"/api/v1/approvals/{waiting['id']}/approve", None),
        ("post", f"/api/v1/approvals/{waiting['id']}/reject", None),
        ("get", f"/api/v1/contacts/{ana.contact_id}/decisions", None),
    ]:
        response = getattr(analyst, method)(path, body, content_type=JSON) if body else getattr(analyst, method)(path)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "permission_denied"
    assert get(coach, url)["name"] == "Checking in" and get(coach, url)["enabled"] is True
    assert get(coach, f"/api/v1/approvals/{waiting['id']}")["outcome"] == "awaiting"


def test_a_read_only_api_key_reads_rules_but_cannot_write(alpha):
    from tenants.services import api_key_create

    coach = api_for(alpha)
    rule = post(coach, "/api/v1/rules", SILENCE)
    _key, secret = api_key_create(creator=alpha.creator, created_by=alpha.owner, name="dashboards", scope="read")
    reader = Client(**host(alpha.creator), HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert get(reader, f"/api/v1/rules/{rule['id']}")["name"] == "Checking in"
    refused = reader.post(f"/api/v1/rules/{rule['id']}/disable")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "read_only_key"
    assert get(coach, f"/api/v1/rules/{rule['id']}")["enabled"] is True


# --- One creator never sees another's -------------------------------------------------------------


def test_a_creator_never_sees_another_creators_rules_decisions_or_approvals(alpha, beta, clock, rules_drive, committed):
    clock.clock_set(local(0, 10))
    ana = person_who_wrote(alpha, local(0, 10))
    alpha_api = api_for(alpha)
    with committed():
        rule = post(alpha_api, "/api/v1/rules", {**SILENCE, "needs_approval": True})
    rules_drive(local(2, 10, 5))
    (waiting,) = get(alpha_api, "/api/v1/approvals")["results"]
    beta_api = api_for(beta, "owner")
    url = f"/api/v1/rules/{rule['id']}"

    assert get(beta_api, "/api/v1/rules")["results"] == []
    assert get(beta_api, "/api/v1/approvals")["results"] == []
    for method, path, body in [
        ("get", url, None),
        ("patch", url, {"name": "Mine now"}),
        ("delete", url, None),
        ("post", f"{url}/disable", None),
        ("get", f"{url}/preview", None),
        ("get", f"{url}/decisions", None),
        ("get", f"{url}/effect", None),
        ("get", f"/api/v1/approvals/{waiting['id']}", None),
        ("patch", f"/api/v1/approvals/{waiting['id']}", {"text": "Hijacked"}),
        ("post", f"/api/v1/approvals/{waiting['id']}/approve", {"text": "Hijacked"}),
        ("post", f"/api/v1/approvals/{waiting['id']}/reject", None),
        ("get", f"/api/v1/contacts/{ana.contact_id}/decisions", None),
    ]:
        response = getattr(beta_api, method)(path, body, content_type=JSON) if body else getattr(beta_api, method)(path)
        assert response.status_code == 404, (method, path, response.status_code)

    beta_program = program_in(beta_api)
    foreign = post(alpha_api, "/api/v1/rules", {**SILENCE, "program": beta_program["id"]}, status=400)
    assert "program" in foreign["error"]["fields"]
    refused = patch(alpha_api, url, {"program": beta_program["id"]}, status=400)
    assert "program" in refused["error"]["fields"]

    intruder = Client(**host(alpha.creator))
    intruder.defaults.update(bearer(beta.owner, beta.creator))
    assert intruder.get(url).status_code in (401, 403)
    assert get(alpha_api, url)["name"] == "Checking in" and get(alpha_api, url)["program"] is None
    assert get(alpha_api, f"/api/v1/approvals/{waiting['id']}")["text"] == "Hi Ana, how are you?"
