"""The hub's Programs pages (list, builder with in-place step forms, reorder, goals, publish,
settings, enrollments) and the companion app's "My programs" (progress, reminders, Join): coaches
edit, analysts do not, nobody reaches another creator's program or another person's reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from coaching.models import Enrollment, Goal, Measurement, Program, ProgramStep, Reminder, StepSend
from coaching.services.enrollments import enrollment_create
from coaching.services.programs import program_create, step_add
from conversations.identity import CONTACT_COOKIE, contact_token
from tenants import clock
from tests.config.test_content_security_policy import assert_strict
from tests.conftest import client_for
from tests.factories import ContactFactory, host

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def coach_of(team) -> Client:
    client = client_for(team.creator, team.coach)
    client.creator = team.creator
    return client


def step_body(**fields) -> dict:
    body = {"kind": "message", "day": "0", "at": "", "text": "", "answer_type": "", "unit": "", "metric": ""}
    return {**body, **fields}


def create_program(hub: Client, name: str = "Sleep better") -> Program:
    response = hub.post("/hub/programs/", {"name": name, "description": "Two weeks of better nights."})
    assert response.status_code == 302
    program_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert response["Location"] == f"/hub/programs/{program_id}/"
    with tenant_context(hub.creator):
        return Program.objects.get(pk=program_id)


def steps_of(creator, program: Program) -> list[ProgramStep]:
    with tenant_context(creator):
        from coaching.selectors import program_working_version

        program.refresh_from_db()
        return list(program_working_version(program).steps.all())


def published(creator, name: str = "Move more", **options) -> Program:
    with tenant_context(creator):
        program = program_create(name=name, **options)
        step_add(program=program, kind="message", day=0, at=None, text="Welcome, let's move.")
        step_add(
            program=program, kind="check_in", day=1, at="08:00", text="How many steps yesterday?",
            answer_type="number", unit="steps", metric="steps",
        )  # fmt: skip
        from coaching.services.programs import goal_add, program_publish

        goal_add(program=program, metric="steps", target=8000, comparison="at_least", window_days=7, times=3)
        program_publish(program=program)
        program.refresh_from_db()
        return program


def test_a_coach_builds_a_program_through_the_hub_and_publishes_it(alpha):
    hub = coach_of(alpha)
    assert 'href="/hub/programs/"' in hub.get("/hub/").content.decode()
    program = create_program(hub)
    base = f"/hub/programs/{program.pk}/"
    page = hub.get(base).content.decode()
    assert "Sleep better" in page and "No steps yet." in page and program.code in page
    assert f"https://t.me/&lt;bot&gt;?start={program.code}" in page

    assert hub.post(f"{base}steps/", step_body(text="Welcome! Two weeks start now.")).status_code == 302
    added = hub.post(f"{base}steps/", step_body(day="1", text="Tonight: no screens after 22:00."), **HTMX)
    assert added.status_code == 200 and "<html" not in added.content.decode()
    assert 'id="builder"' in added.content.decode() and "Day 1" in added.content.decode()

    # A check-in without a metric: refused, the error next to the metric field, nothing saved.
    bad = step_body(kind="check_in", day="1", at="08:00", text="Hours slept?", answer_type="number", unit="h")
    refused = hub.post(f"{base}steps/", bad, **HTMX)
    body = refused.content.decode()
    assert refused.status_code == 200 and "<html" not in body
    assert 'data-testid="error-metric"' in body and "A check-in needs a metric name" in body
    assert body.index('id="step-new-metric"') < body.index('data-testid="error-metric"')
    assert 'value="Hours slept?"' in body or "Hours slept?</textarea>" in body  # what they typed stays
    plain = hub.post(f"{base}steps/", bad)
    assert plain.status_code == 400 and "A check-in needs a metric name" in plain.content.decode()
    no_time = hub.post(f"{base}steps/", {**bad, "metric": "sleep_hours", "at": "8 o'clock"}, **HTMX).content.decode()
    assert 'data-testid="error-at"' in no_time and "HH:MM" in no_time
    assert len(steps_of(alpha.creator, program)) == 2

    assert hub.post(f"{base}steps/", {**bad, "metric": "sleep_hours"}, **HTMX).status_code == 200
    welcome = steps_of(alpha.creator, program)[0]
    check_in = next(s for s in steps_of(alpha.creator, program) if s.kind == "check_in")
    assert (check_in.kind, check_in.at.hour, check_in.metric, check_in.unit) == ("check_in", 8, "sleep_hours", "h")
    hub.post(f"{base}steps/", step_body(day="1", text="Read ten pages in bed."))
    day_one = [s.text for s in steps_of(alpha.creator, program) if s.day == 1 and s.at is None]
    assert day_one == ["Tonight: no screens after 22:00.", "Read ten pages in bed."]

    # Edit in place: the step's own form, errors next to its field.
    edit = hub.post(f"{base}steps/{welcome.pk}/", step_body(text=""), **HTMX).content.decode()
    assert f'id="step-{welcome.pk}-text"' in edit and 'data-testid="error-text"' in edit
    hub.post(f"{base}steps/{welcome.pk}/", step_body(text="Welcome! Fourteen nights start now."), **HTMX)
    assert steps_of(alpha.creator, program)[0].text == "Welcome! Fourteen nights start now."

    # Drag and drop posts every step in the new order; Up and Down do the same from the keyboard.
    steps = steps_of(alpha.creator, program)
    by_text = {s.text: str(s.pk) for s in steps}
    order = [by_text["Welcome! Fourteen nights start now."], by_text["Read ten pages in bed."]]
    order += [by_text["Tonight: no screens after 22:00."], by_text["Hours slept?"]]
    assert hub.post(f"{base}steps/order/", {"step": order}, **HTMX).status_code == 200
    day_one = [s.text for s in steps_of(alpha.creator, program) if s.day == 1 and s.at is None]
    assert day_one == ["Read ten pages in bed.", "Tonight: no screens after 22:00."]
    moved = hub.post(f"{base}steps/{by_text['Tonight: no screens after 22:00.']}/move/", {"direction": "up"})
    assert moved.status_code == 302
    day_one = [s.text for s in steps_of(alpha.creator, program) if s.day == 1 and s.at is None]
    assert day_one == ["Tonight: no screens after 22:00.", "Read ten pages in bed."]
    assert hub.post(f"{base}steps/order/", {"step": order[:2]}).status_code == 302  # not every step: refused
    assert "must list every step" in hub.get(base).content.decode()

    hub.post(f"{base}steps/{by_text['Read ten pages in bed.']}/delete/", **HTMX)
    assert "Read ten pages in bed." not in [s.text for s in steps_of(alpha.creator, program)]

    # Goals, settings, then what publishing changes and Publish.
    goal = {"metric": "sleep_hours", "comparison": "at_least", "target": "7", "times": "5", "window_days": "7"}
    assert hub.post(f"{base}goals/", {**goal, "window_days": "0"}).status_code == 400
    assert hub.post(f"{base}goals/", goal).status_code == 302
    settings = {"name": "Sleep better", "description": "", "keyword": "dormir", "web_enrollment": "on"}
    assert hub.post(f"{base}settings/", settings).status_code == 302
    page = hub.get(base).content.decode()
    assert "What publishing changes" in page and "First version: 3 steps, 1 goal." in page
    assert "sleep_hours at least 7.0 on 5 of 7 days" in page
    assert hub.post(f"{base}publish/").status_code == 302
    with tenant_context(alpha.creator):
        program.refresh_from_db()
        assert (program.status, program.live_version.number) == ("active", 1)
        assert (program.keyword, program.web_enrollment) == ("dormir", True)
    page = hub.get(base).content.decode()
    assert "Nothing to publish" in page
    listing = hub.get("/hub/programs/").content.decode()
    assert "Sleep better" in listing and "v1" in listing

    # Editing what is live makes a draft; the change is listed before it is published. The page
    # still names the live steps: the order and the edits reach their copies in the draft.
    live = steps_of(alpha.creator, program)
    assert hub.post(f"{base}steps/order/", {"step": [str(s.pk) for s in live][::-1]}, **HTMX).status_code == 200
    with tenant_context(alpha.creator):
        from coaching.selectors import program_draft

        draft = program_draft(program)
        assert not {s.pk for s in live} & set(draft.steps.values_list("pk", flat=True))
        assert list(draft.steps.order_by("position").values_list("text", flat=True)) == [s.text for s in live][::-1]
    live_step = steps_of(alpha.creator, program)[0]
    hub.post(f"{base}steps/{live_step.pk}/", step_body(text="Welcome back!"), **HTMX)
    assert "Added or changed: day 0, Welcome back!" in hub.get(base).content.decode()

    # A keyword another program uses is refused next to its field.
    other = create_program(hub, "Eat well")
    clash = hub.post(f"/hub/programs/{other.pk}/settings/", {**settings, "name": "Eat well"})
    assert clash.status_code == 400 and "Another program uses this keyword." in clash.content.decode()


def test_the_builder_page_loads_its_scripts_from_our_host_and_nonces_the_inline_one(alpha):
    hub = coach_of(alpha)
    program = create_program(hub)
    response = hub.get(f"/hub/programs/{program.pk}/")
    page = response.content.decode()
    assert "/static/vendor/sortablejs/Sortable.min.js" in page and "/static/django_htmx/htmx-2.min.js" in page
    assert "cdn" not in page.lower()
    assert_strict(response, f"{alpha.creator.hostname}:8000")


def test_the_hub_enrolls_by_email_and_by_tag_and_shows_progress(alpha):
    program = published(alpha.creator)
    with tenant_context(alpha.creator):
        ana = ContactFactory(email="ana@example.org", display_name="Ana", tags=["runners"])
        ben = ContactFactory(email="ben@example.org", tags=["runners"])
        ContactFactory(email="cy@example.org", tags=["runners"], opted_out_at=clock.now())
        ContactFactory(email="dee@example.org", tags=["swimmers"])
    hub, base = coach_of(alpha), f"/hub/programs/{program.pk}/"

    assert hub.post(f"{base}enroll/", {"email": "ANA@example.org"}).status_code == 302
    again = hub.post(f"{base}enroll/", {"email": "ana@example.org"})
    assert again.status_code == 400 and "already in the program" in again.content.decode()
    nobody = hub.post(f"{base}enroll/", {"email": "zed@example.org"})
    assert nobody.status_code == 400 and "Nobody with this email" in nobody.content.decode()

    summary = hub.post(f"{base}enroll/tag/", {"tag": "Runners"}, follow=True).content.decode()
    assert "1 enrolled, 1 already in, 1 refused." in summary
    with tenant_context(alpha.creator):
        assert set(Enrollment.objects.values_list("contact__email", flat=True)) == {ana.email, ben.email}
        assert Enrollment.objects.get(contact=ana).source == "hub"
        enrollment = Enrollment.objects.get(contact=ana)
        for days_ago in (0, 1, 2):
            Measurement.objects.create(
                contact=ana, enrollment=enrollment, metric="steps", value=9000,
                recorded_at=clock.now() - timedelta(days=days_ago),
            )  # fmt: skip

    page = hub.get(f"{base}enrollments/").content.decode()
    assert "Ana" in page and "ana@example.org" in page and "ben@example.org" in page
    assert "steps: 3/3" in page and "steps: 0/3" in page and "steps: 3 days" in page

    assert hub.post(f"{base}enrollments/{enrollment.pk}/pause/").status_code == 302
    with tenant_context(alpha.creator):
        assert Enrollment.objects.get(pk=enrollment.pk).status == "paused"
    hub.post(f"{base}enrollments/{enrollment.pk}/resume/")
    hub.post(f"{base}enrollments/{enrollment.pk}/leave/")
    with tenant_context(alpha.creator):
        assert Enrollment.objects.get(pk=enrollment.pk).status == "left"
    assert hub.post(f"{base}enrollments/{enrollment.pk}/explode/").status_code == 404


def test_analysts_cannot_see_or_edit_programs(alpha):
    program = published(alpha.creator)
    analyst, base = client_for(alpha.creator, alpha.analyst), f"/hub/programs/{program.pk}/"
    assert analyst.get("/hub/programs/").status_code == 403
    assert analyst.get(base).status_code == 403
    assert analyst.post("/hub/programs/", {"name": "Mine"}).status_code == 403
    assert analyst.post(f"{base}steps/", step_body(text="Sneaky")).status_code == 403
    assert analyst.post(f"{base}publish/").status_code == 403
    assert analyst.post(f"{base}enroll/", {"email": "ana@example.org"}).status_code == 403
    with tenant_context(alpha.creator):
        assert Program.objects.count() == 1 and not ProgramStep.objects.filter(text="Sneaky").exists()
    assert 'href="/hub/programs/"' not in analyst.get("/hub/").content.decode()


def test_another_creators_program_is_not_found(alpha, beta):
    program = published(alpha.creator)
    with tenant_context(alpha.creator):
        step = ProgramStep.objects.filter(version=program.live_version).first()
        goal = Goal.objects.first()
    beta_hub, base = client_for(beta.creator, beta.owner), f"/hub/programs/{program.pk}/"
    assert beta_hub.get(base).status_code == 404
    assert beta_hub.get(f"{base}enrollments/").status_code == 404
    assert beta_hub.post(f"{base}steps/{step.pk}/", step_body(text="Mine now")).status_code == 404
    assert beta_hub.post(f"{base}goals/{goal.pk}/delete/").status_code == 404
    assert beta_hub.post(f"{base}publish/").status_code == 404
    assert client_for(alpha.creator, alpha.coach).get("/hub/programs/not-a-uuid/").status_code == 404
    # A step of another program of the same creator is not this program's.
    other = published(alpha.creator, "Eat well")
    assert coach_of(alpha).post(f"/hub/programs/{other.pk}/steps/{step.pk}/delete/").status_code == 404


def app_client(team, contact) -> Client:
    client = Client(**host(team.creator))
    client.cookies[CONTACT_COOKIE] = contact_token(schema=team.creator.schema_name, contact_id=contact.pk)
    return client


def test_the_companion_app_shows_my_programs_and_cancels_only_my_reminders(alpha):
    program = published(alpha.creator)
    with tenant_context(alpha.creator):
        ana, ben = ContactFactory(email="ana@example.org"), ContactFactory(email="ben@example.org")
        enrollment = enrollment_create(program=program, contact=ana, timezone="Europe/Madrid", source="hub")
        first = enrollment.sends.order_by("due_at").first()
        StepSend.objects.filter(pk=first.pk).update(status="sent", sent_at=clock.now())
        Measurement.objects.create(contact=ana, enrollment=enrollment, metric="steps", value=9500)
        due = clock.now() + timedelta(days=1)
        mine = Reminder.objects.create(contact=ana, text="Stretch", due_at=due, timezone="Europe/Madrid")
        theirs = Reminder.objects.create(contact=ben, text="Call mum", due_at=due, timezone="Europe/Madrid")

    app = app_client(alpha, ana)
    assert 'href="/app/programs/"' in app.get("/app/").content.decode()
    response = app.get("/app/programs/")
    page = response.content.decode()
    assert response.status_code == 200 and "Move more" in page and "Welcome, let&#x27;s move." in page
    assert '<progress class="goal-bar" max="3" value="1">' in page
    assert "steps: 1 day in a row" in page
    assert "Stretch" in page and "Call mum" not in page
    assert_strict(response, f"{alpha.creator.hostname}:8000")

    assert app.post(f"/app/reminders/{theirs.pk}/cancel/").status_code == 404
    assert app.post("/app/reminders/not-an-id/cancel/").status_code == 404
    assert app.post(f"/app/reminders/{mine.pk}/cancel/").status_code == 302
    with tenant_context(alpha.creator):
        assert Reminder.objects.get(pk=mine.pk).status == "cancelled"
        assert Reminder.objects.get(pk=theirs.pk).status == "pending"
    assert "Stretch" not in app.get("/app/programs/").content.decode()

    signed_out = Client(**host(alpha.creator))
    assert signed_out.get("/app/programs/")["Location"] == "/app/"
    assert signed_out.post(f"/app/reminders/{theirs.pk}/cancel/").status_code == 404


def test_a_person_joins_a_program_open_to_web_enrollment_in_their_browsers_timezone(alpha):
    open_program = published(alpha.creator, "Open doors", web_enrollment=True)
    closed = published(alpha.creator, "Invite only")
    with tenant_context(alpha.creator):
        ana, ben = ContactFactory(email="ana@example.org"), ContactFactory(email="ben@example.org")
    app = app_client(alpha, ana)
    page = app.get("/app/programs/").content.decode()
    assert "Join Open doors" in page and "Invite only" not in page and 'class="browser-timezone"' in page

    assert app.post(f"/app/programs/{closed.pk}/join/", {"timezone": "Europe/Madrid"}).status_code == 404
    joined = app.post(f"/app/programs/{open_program.pk}/join/", {"timezone": "America/Mexico_City"}, follow=True)
    assert "Welcome to Open doors!" in joined.content.decode()
    assert "Join Open doors" not in joined.content.decode()
    again = app.post(f"/app/programs/{open_program.pk}/join/", {"timezone": "America/Mexico_City"}, follow=True)
    assert "You are already in Open doors." in again.content.decode()

    app_client(alpha, ben).post(f"/app/programs/{open_program.pk}/join/", {"timezone": "Mars/Olympus_Mons"})
    with tenant_context(alpha.creator):
        mine = Enrollment.objects.get(contact=ana)
        assert (mine.program_id, mine.source, mine.timezone) == (open_program.pk, "web", "America/Mexico_City")
        assert Enrollment.objects.get(contact=ben).timezone == (alpha.creator.timezone or "UTC")
        assert Enrollment.objects.count() == 2
