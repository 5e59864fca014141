"""Programs, enrollments, measurements and reminders over API v1, as a developer on the creator's
team builds a program, publishes it, enrolls people and follows their progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from analytics.models import Event
from coaching.models import Enrollment, ProgramStep, StepSend
from coaching.services.replies import check_in_answer_record, reminder_create
from tenants import clock
from tests.factories import ContactFactory, MessageFactory, bearer, host

pytestmark = pytest.mark.django_db
JSON = "application/json"


def api_for(team, role: str = "coach") -> Client:
    client = Client(**host(team.creator))
    client.defaults.update(bearer(team.member(role), team.creator))
    return client


def post(api: Client, url: str, body: dict | None = None, status: int = 201) -> dict:
    response = api.post(url, body or {}, content_type=JSON)
    assert response.status_code == status, response.content
    return response.json()


def patch(api: Client, url: str, body: dict, status: int = 200) -> dict:
    response = api.patch(url, body, content_type=JSON)
    assert response.status_code == status, response.content
    return response.json()


def contact_in(team, **fields):
    with tenant_context(team.creator):
        return ContactFactory(**fields)


SLEEP_CHECK_IN = {
    "kind": "check_in",
    "day": 1,
    "at": "08:00",
    "text": "How many hours did you sleep last night?",
    "answer": {"type": "number", "unit": "h", "metric": "sleep_hours"},
}


def sleep_program(api: Client) -> dict:
    """A published program: a welcome right away, a sleep check-in on day 1, a goal."""
    program = post(api, "/api/v1/programs", {"name": "Sleep better", "description": "Two weeks of better nights."})
    post(api, f"/api/v1/programs/{program['id']}/steps", {"kind": "message", "day": 0, "text": "Welcome!"})
    post(api, f"/api/v1/programs/{program['id']}/steps", SLEEP_CHECK_IN)
    goal = {"metric": "sleep_hours", "target": 7, "comparison": "at_least", "window_days": 7, "times": 5}
    post(api, f"/api/v1/programs/{program['id']}/goals", goal)
    post(api, f"/api/v1/programs/{program['id']}/publish", status=200)
    return api.get(f"/api/v1/programs/{program['id']}").json()


def enroll(api: Client, program: dict, contact, status: int = 201, **extra) -> dict:
    return post(api, "/api/v1/enrollments", {"program": program["id"], "contact": str(contact.pk), **extra}, status)


# --- Building a program ------------------------------------------------------------------------


def test_a_program_is_built_step_by_step_and_published(alpha):
    api = api_for(alpha)
    program = post(api, "/api/v1/programs", {"name": "Sleep better", "keyword": "SLEEP", "web_enrollment": True})
    assert program["status"] == "draft" and program["version"] is None
    assert program["keyword"] == "sleep" and program["web_enrollment"] is True and program["code"]
    assert program["steps"] == [] and program["goals"] == []

    url = f"/api/v1/programs/{program['id']}"
    welcome = post(api, f"{url}/steps", {"kind": "message", "day": 0, "at": None, "text": "Welcome!"})
    assert welcome["answer"] is None and welcome["at"] is None and welcome["position"] == 1
    check_in = post(api, f"{url}/steps", SLEEP_CHECK_IN)
    assert check_in["at"] == "08:00"
    assert check_in["answer"] == {"type": "number", "unit": "h", "metric": "sleep_hours"}
    goal = post(api, f"{url}/goals", {"metric": "sleep_hours", "target": 7, "window_days": 7, "times": 5})
    assert goal["comparison"] == "at_least"

    shown = api.get(url).json()
    assert [s["text"] for s in shown["steps"]] == ["Welcome!", SLEEP_CHECK_IN["text"]]
    assert [g["metric"] for g in shown["goals"]] == ["sleep_hours"]
    assert shown["draft_changes"] == ["First version: 2 steps, 1 goal."]

    published = post(api, f"{url}/publish", status=200)
    assert published == {"version": 1, "changes": ["First version: 2 steps, 1 goal."]}
    live = api.get(url).json()
    assert live["status"] == "active" and live["version"] == 1 and live["draft_changes"] == []
    assert [p["id"] for p in api.get("/api/v1/programs?status=active").json()["results"]] == [program["id"]]
    with tenant_context(alpha.creator):
        assert Event.objects.filter(kind=Event.Kind.PROGRAM_PUBLISHED, value=1).exists()


def test_publishing_with_nothing_new_is_refused(alpha):
    api = api_for(alpha)
    program = post(api, "/api/v1/programs", {"name": "Empty"})
    refused = post(api, f"/api/v1/programs/{program['id']}/publish", status=400)
    assert refused["error"]["code"] == "invalid" and "step" in refused["error"]["message"]
    program = sleep_program(api)
    again = post(api, f"/api/v1/programs/{program['id']}/publish", status=400)
    assert "Nothing to publish" in again["error"]["message"]


def test_editing_a_live_program_goes_to_a_draft_until_published(alpha):
    api = api_for(alpha)
    program = sleep_program(api)
    url = f"/api/v1/programs/{program['id']}"
    live_check_in = program["steps"][1]
    edited = patch(api, f"{url}/steps/{live_check_in['id']}", {"text": "Hours slept last night?", "at": "09:30"})
    assert edited["id"] != live_check_in["id"]  # the draft's copy
    assert edited["at"] == "09:30" and edited["answer"]["metric"] == "sleep_hours"
    draft = api.get(url).json()
    assert draft["version"] == 1 and any("Hours slept" in change for change in draft["draft_changes"])

    added = post(api, f"{url}/steps", {"kind": "lesson", "day": 1, "text": "Lesson: keep one wake-up time."})
    welcome = draft["steps"][0]["id"]
    reordered = post(api, f"{url}/steps/order", {"steps": [welcome, added["id"], edited["id"]]}, status=200)
    positions = {s["id"]: s["position"] for s in reordered["steps"]}
    assert (positions[welcome], positions[added["id"]], positions[edited["id"]]) == (1, 2, 3)
    assert next(s["text"] for s in reordered["steps"] if s["day"] == 1) == "Hours slept last night?"  # `at` first

    goal_id = draft["goals"][0]["id"]
    assert api.delete(f"{url}/goals/{goal_id}").status_code == 204
    assert api.delete(f"{url}/steps/{welcome}").status_code == 204
    published = post(api, f"{url}/publish", status=200)
    assert published["version"] == 2 and "Goals changed." in published["changes"]
    assert patch(api, url, {"name": "Sleep well", "description": ""})["name"] == "Sleep well"

    assert api.delete(url).status_code == 204
    assert api.get(url).json()["status"] == "archived"
    refused = post(api, f"{url}/steps", {"text": "More"}, status=400)
    assert "archived" in refused["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "video", "text": "Watch this"}, "kind"),
        ({"kind": "check_in", "text": "Hours?", "answer": {"type": "number"}}, "metric"),
        ({"kind": "check_in", "text": "Hours?"}, "answer"),
        ({"kind": "check_in", "text": "Hours?", "answer": {"type": "colour", "metric": "x"}}, "answer"),
        ({"text": "Good morning", "at": "25:99"}, "at"),
        ({"text": "Good morning", "at": "8 o'clock"}, "at"),
        ({"text": "x" * 2001}, "text"),
        ({"text": "Later", "day": 731}, "day"),
        ({"text": "Earlier", "day": -1}, "day"),
    ],
)
def test_a_bad_step_is_refused_with_the_field_named(alpha, body, field):
    api = api_for(alpha)
    program = post(api, "/api/v1/programs", {"name": "Sleep better"})
    refused = post(api, f"/api/v1/programs/{program['id']}/steps", body, status=400)
    assert refused["error"]["code"] == "invalid"
    assert field in refused["error"]["fields"], refused


def test_bad_programs_goals_and_orders_are_refused(alpha):
    api = api_for(alpha)
    assert "name" in post(api, "/api/v1/programs", {"name": "  "}, status=400)["error"]["fields"]
    assert "status" in post(api, "/api/v1/programs", {"name": "X", "status": "archived"}, status=400)["error"]["fields"]
    assert "keyword" in post(api, "/api/v1/programs", {"name": "X", "keyword": "two words"}, 400)["error"]["fields"]
    program = post(api, "/api/v1/programs", {"name": "Sleep", "keyword": "sleep"})
    assert "keyword" in post(api, "/api/v1/programs", {"name": "Y", "keyword": "Sleep"}, 400)["error"]["fields"]
    url = f"/api/v1/programs/{program['id']}"
    assert "metric" in post(api, f"{url}/goals", {"target": 7}, status=400)["error"]["fields"]
    assert "target" in post(api, f"{url}/goals", {"metric": "sleep_hours", "target": "lots"}, 400)["error"]["fields"]
    bad_window = {"metric": "sleep_hours", "target": 7, "window_days": 0}
    assert "window_days" in post(api, f"{url}/goals", bad_window, status=400)["error"]["fields"]
    assert "steps" in post(api, f"{url}/steps/order", {"steps": ["not-a-uuid"]}, status=400)["error"]["fields"]
    step = post(api, f"{url}/steps", {"text": "Hi"})
    incomplete = post(api, f"{url}/steps/order", {"steps": []}, status=400)
    assert "every step" in incomplete["error"]["message"]
    assert post(api, f"{url}/steps/order", {"steps": [step["id"]]}, status=200)["steps"][0]["id"] == step["id"]
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.get(f"/api/v1/programs/{unknown}").status_code == 404
    assert api.patch(f"{url}/steps/{unknown}", {"text": "x"}, content_type=JSON).status_code == 404
    assert api.delete(f"{url}/goals/{unknown}").status_code == 404
    assert api.get("/api/v1/programs/not-a-uuid").status_code == 404


# --- Enrolling people ---------------------------------------------------------------------------


def test_a_person_is_enrolled_once_and_their_progress_is_shown(alpha):
    api = api_for(alpha)
    program = sleep_program(api)
    sam = contact_in(alpha)
    enrollment = enroll(api, program, sam, timezone="Europe/Madrid", quiet_hours=["22:00", "08:00"], outlet="app")
    assert enrollment["program"] == program["id"] and enrollment["contact"] == str(sam.pk)
    assert enrollment["status"] == "active" and enrollment["version"] == 1
    assert enrollment["timezone"] == "Europe/Madrid" and enrollment["quiet_hours"] == ["22:00", "08:00"]
    assert enrollment["outlet"] == "app"
    progress = enrollment["progress"]
    assert progress["steps_total"] == 2 and progress["steps_sent"] == 0
    assert progress["goals"] == [
        {"metric": "sleep_hours", "target": 7.0, "comparison": "at_least", "met": 0, "needed": 5, "latest": None,
         "reached": False}
    ]  # fmt: skip
    assert progress["streaks"] == {"sleep_hours": 0}

    again = enroll(api, program, sam, status=409)
    assert again["error"]["code"] == "already_enrolled" and again["error"]["enrollment"] == enrollment["id"]

    assert api.get(f"/api/v1/enrollments/{enrollment['id']}").json()["id"] == enrollment["id"]
    lee = contact_in(alpha)
    other = enroll(api, program, lee)
    listed = api.get("/api/v1/enrollments").json()["results"]
    assert [e["id"] for e in listed] == [other["id"], enrollment["id"]]
    mine = api.get(f"/api/v1/enrollments?contact={sam.pk}&program={program['id']}&status=active").json()["results"]
    assert [e["id"] for e in mine] == [enrollment["id"]]
    assert api.get("/api/v1/enrollments?status=left").json()["results"] == []
    assert api.get("/api/v1/enrollments?contact=nope").status_code == 400
    with tenant_context(alpha.creator):
        assert Event.objects.filter(kind=Event.Kind.ENROLLED, subject_id=enrollment["id"]).exists()


def test_timezone_quiet_hours_and_outlet_can_be_changed(alpha):
    api = api_for(alpha)
    enrollment = enroll(api, sleep_program(api), contact_in(alpha), timezone="Europe/Madrid")
    url = f"/api/v1/enrollments/{enrollment['id']}"
    changed = patch(api, url, {"timezone": "America/Mexico_City", "quiet_hours": ["23:00", "07:30"]})
    assert changed["timezone"] == "America/Mexico_City" and changed["quiet_hours"] == ["23:00", "07:30"]
    assert patch(api, url, {"quiet_hours": None})["quiet_hours"] is None
    assert patch(api, url, {"outlet": "telegram"})["outlet"] == "telegram"
    assert "timezone" in patch(api, url, {"timezone": "Mars/Olympus"}, status=400)["error"]["fields"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "America"}, "timezone"),  # a folder of zones, not a zone
        ({"quiet_hours": ["22:00"]}, "quiet_hours"),
        ({"quiet_hours": ["22:00", "25:99"]}, "quiet_hours"),
        ({"quiet_hours": ["22:00", "22:00"]}, "quiet_hours"),
    ],
)
def test_bad_enrollment_settings_are_refused(alpha, extra, field):
    api = api_for(alpha)
    refused = enroll(api, sleep_program(api), contact_in(alpha), status=400, **extra)
    assert field in refused["error"]["fields"], refused


def test_enrolling_needs_a_known_published_program_and_a_known_person(alpha):
    api = api_for(alpha)
    sam = contact_in(alpha)
    unknown = "00000000-0000-4000-8000-000000000000"
    refused = post(api, "/api/v1/enrollments", {"program": "sleep", "contact": "sam"}, status=400)
    assert {"program", "contact"} <= set(refused["error"]["fields"])
    refused = post(api, "/api/v1/enrollments", {"program": unknown, "contact": str(sam.pk)}, status=400)
    assert "program" in refused["error"]["fields"]
    program = sleep_program(api)
    refused = post(api, "/api/v1/enrollments", {"program": program["id"], "contact": unknown}, status=400)
    assert "contact" in refused["error"]["fields"]
    draft = post(api, "/api/v1/programs", {"name": "Not yet"})
    assert "program" in enroll(api, draft, sam, status=400)["error"]["fields"]
    assert api.get(f"/api/v1/enrollments/{unknown}").status_code == 404


def test_an_enrollment_is_paused_resumed_and_left(alpha):
    api = api_for(alpha)
    enrollment = enroll(api, sleep_program(api), contact_in(alpha))
    url = f"/api/v1/enrollments/{enrollment['id']}"
    assert post(api, f"{url}/resume", status=400)["error"]["message"] == "Only a paused enrollment can be resumed."
    assert post(api, f"{url}/pause", status=200)["status"] == "paused"
    assert post(api, f"{url}/pause", status=400)["error"]["code"] == "invalid"
    resumed = post(api, f"{url}/resume", status=200)
    assert resumed["status"] == "active" and resumed["paused_at"] is None
    left = post(api, f"{url}/leave", status=200)
    assert left["status"] == "left" and left["ended_at"]
    assert post(api, f"{url}/leave", status=400)["error"]["message"] == "This enrollment has already ended."
    with tenant_context(alpha.creator):
        assert set(StepSend.objects.filter(enrollment_id=enrollment["id"]).values_list("status", flat=True)) == {
            "cancelled"
        }
        kinds = set(Event.objects.filter(subject_id=enrollment["id"]).values_list("kind", flat=True))
        assert {Event.Kind.ENROLLMENT_PAUSED, Event.Kind.ENROLLMENT_RESUMED, Event.Kind.ENROLLMENT_LEFT} <= kinds


# --- Measurements and reminders -----------------------------------------------------------------


def test_a_check_in_answer_is_listed_as_a_measurement_and_counts_for_the_goal(alpha):
    api = api_for(alpha)
    sam = contact_in(alpha)
    enrollment = enroll(api, sleep_program(api), sam)
    with tenant_context(alpha.creator):
        send = StepSend.objects.select_related("step", "enrollment__contact").get(
            enrollment_id=enrollment["id"], step__kind=ProgramStep.Kind.CHECK_IN
        )
        message = MessageFactory(conversation__contact=sam, text="7.5 hours")
        check_in_answer_record(send=send, message=message, value=7.5, unit="h")

    measurements = api.get(f"/api/v1/contacts/{sam.pk}/measurements").json()
    assert measurements["next"] is None
    [measurement] = measurements["results"]
    assert measurement["metric"] == "sleep_hours" and measurement["value"] == 7.5 and measurement["unit"] == "h"
    assert measurement["message"] == str(message.pk) and measurement["recorded_at"]
    assert api.get(f"/api/v1/contacts/{sam.pk}/measurements?metric=weight_kg").json()["results"] == []

    progress = api.get(f"/api/v1/enrollments/{enrollment['id']}").json()["progress"]
    assert progress["goals"][0]["met"] == 1 and progress["goals"][0]["latest"] == 7.5
    assert progress["streaks"] == {"sleep_hours": 1}


def test_reminders_are_listed_and_cancelled(alpha):
    api = api_for(alpha)
    sam = contact_in(alpha)
    with tenant_context(alpha.creator):
        due = clock.now() + timedelta(hours=3)
        reminder = reminder_create(
            contact=sam, conversation=None, text="Take your vitamins", due_at=due, zone="Europe/Madrid", language="en"
        )
    listed = api.get(f"/api/v1/contacts/{sam.pk}/reminders").json()["results"]
    assert listed == [
        {"id": str(reminder.pk), "text": "Take your vitamins", "due_at": listed[0]["due_at"],
         "timezone": "Europe/Madrid", "status": "pending"}
    ]  # fmt: skip
    url = f"/api/v1/contacts/{sam.pk}/reminders/{reminder.pk}/cancel"
    assert post(api, url, status=200)["status"] == "cancelled"
    assert post(api, url, status=400)["error"]["message"] == "Only a pending reminder can be cancelled."
    lee = contact_in(alpha)
    assert api.post(f"/api/v1/contacts/{lee.pk}/reminders/{reminder.pk}/cancel").status_code == 404
    assert api.get("/api/v1/contacts/00000000-0000-4000-8000-000000000000/reminders").status_code == 404


# --- Who may do what ------------------------------------------------------------------------------


def test_analysts_read_programs_and_progress_but_change_nothing_and_see_no_personal_data(alpha):
    coach = api_for(alpha)
    program = sleep_program(coach)
    sam = contact_in(alpha)
    enrollment = enroll(coach, program, sam)
    analyst = api_for(alpha, "analyst")

    assert analyst.get("/api/v1/programs").json()["results"][0]["id"] == program["id"]
    assert analyst.get(f"/api/v1/programs/{program['id']}").status_code == 200
    assert analyst.get("/api/v1/enrollments").json()["results"][0]["id"] == enrollment["id"]
    assert analyst.get(f"/api/v1/enrollments/{enrollment['id']}").json()["progress"]["steps_total"] == 2

    url = f"/api/v1/programs/{program['id']}"
    writes = [
        ("post", "/api/v1/programs", {"name": "Mine"}),
        ("patch", url, {"name": "Renamed"}),
        ("delete", url, None),
        ("post", f"{url}/steps", {"text": "Hi"}),
        ("patch", f"{url}/steps/{program['steps'][0]['id']}", {"text": "Hi"}),
        ("post", f"{url}/steps/order", {"steps": []}),
        ("post", f"{url}/goals", {"metric": "x", "target": 1}),
        ("post", f"{url}/publish", None),
        ("post", "/api/v1/enrollments", {"program": program["id"], "contact": str(sam.pk)}),
        ("patch", f"/api/v1/enrollments/{enrollment['id']}", {"outlet": "web"}),
        ("post", f"/api/v1/enrollments/{enrollment['id']}/pause", None),
        ("post", f"/api/v1/enrollments/{enrollment['id']}/leave", None),
        ("get", f"/api/v1/contacts/{sam.pk}/measurements", None),
        ("get", f"/api/v1/contacts/{sam.pk}/reminders", None),
    ]
    for method, path, body in writes:
        response = getattr(analyst, method)(path, body, content_type=JSON) if body else getattr(analyst, method)(path)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "permission_denied"
    assert coach.get(f"/api/v1/enrollments/{enrollment['id']}").json()["status"] == "active"


def test_a_creator_never_sees_another_creators_programs_or_enrollments(alpha, beta):
    alpha_api = api_for(alpha)
    program = sleep_program(alpha_api)
    sam = contact_in(alpha)
    enrollment = enroll(alpha_api, program, sam)
    beta_api = api_for(beta, "owner")

    assert beta_api.get("/api/v1/programs").json()["results"] == []
    assert beta_api.get("/api/v1/enrollments").json()["results"] == []
    assert beta_api.get(f"/api/v1/programs/{program['id']}").status_code == 404
    assert beta_api.get(f"/api/v1/enrollments/{enrollment['id']}").status_code == 404
    assert beta_api.post(f"/api/v1/programs/{program['id']}/publish").status_code == 404
    assert beta_api.post(f"/api/v1/enrollments/{enrollment['id']}/pause").status_code == 404
    assert beta_api.get(f"/api/v1/contacts/{sam.pk}/measurements").status_code == 404
    refused = post(beta_api, "/api/v1/enrollments", {"program": program["id"], "contact": str(sam.pk)}, status=400)
    assert "program" in refused["error"]["fields"]

    # beta's owner with their own token on alpha's host: not a member there.
    intruder = Client(**host(alpha.creator))
    intruder.defaults.update(bearer(beta.owner, beta.creator))
    assert intruder.get(f"/api/v1/programs/{program['id']}").status_code in (401, 403)
    with tenant_context(alpha.creator):
        assert Enrollment.objects.get(pk=enrollment["id"]).status == "active"
