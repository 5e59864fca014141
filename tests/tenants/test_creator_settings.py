"""A creator's time zone and default language: owners change them, nobody else, and only to real values."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from tenants.models import Creator
from tenants.selectors import creator_zone
from tenants.services import creator_settings_update
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def fresh(creator: Creator) -> Creator:
    # The seeded creators are shared by every test: read a copy instead of changing theirs.
    return Creator.objects.get(pk=creator.pk)


def test_it_starts_in_utc_and_english(alpha):
    creator = fresh(alpha.creator)
    assert (creator.timezone, creator.language) == ("UTC", "en")
    assert creator_zone(creator) == ZoneInfo("UTC")


@override_settings(CREATOR_DEFAULT_TIME_ZONE="America/Bogota")
def test_it_gives_new_creators_the_configured_time_zone():
    assert Creator(name="Gamma", slug="gamma").timezone == "America/Bogota"


def test_the_owner_changes_them_in_the_hub_and_they_persist(alpha):
    client = client_for(alpha.creator, alpha.owner)
    page = client.get("/hub/settings/")
    assert page.status_code == 200
    assert 'value="Europe/Madrid"' in page.content.decode()

    response = client.post("/hub/settings/", {"timezone": "Europe/Madrid", "language": "es"})

    assert response.status_code == 302 and response["Location"] == "/hub/settings/"
    creator = fresh(alpha.creator)
    assert (creator.timezone, creator.language) == ("Europe/Madrid", "es")
    assert creator_zone(creator) == ZoneInfo("Europe/Madrid")
    again = client.get("/hub/settings/").content.decode()
    assert '<option value="Europe/Madrid" selected>' in again and '<option value="es" selected>' in again


@pytest.mark.parametrize("role", ["coach", "analyst"])
def test_coaches_and_analysts_cannot_change_them(alpha, role):
    client = client_for(alpha.creator, alpha.member(role))

    assert client.get("/hub/settings/").status_code == 403
    assert client.post("/hub/settings/", {"timezone": "Europe/Madrid", "language": "es"}).status_code == 403
    assert (fresh(alpha.creator).timezone, fresh(alpha.creator).language) == ("UTC", "en")


def test_another_creators_owner_cannot_change_them(alpha, beta):
    client = client_for(alpha.creator, beta.owner)

    response = client.post("/hub/settings/", {"timezone": "Europe/Madrid", "language": "es"})

    assert response.status_code == 403
    assert fresh(alpha.creator).timezone == "UTC"
    assert fresh(beta.creator).timezone == "UTC"


def test_a_planet_is_not_a_time_zone(alpha):
    client = client_for(alpha.creator, alpha.owner)

    response = client.post("/hub/settings/", {"timezone": "Mars/Olympus", "language": "es"})

    assert response.status_code == 400
    assert response.context["form"].errors["timezone"] == [
        "“Mars/Olympus” is not a time zone. Use a name like Europe/Madrid or America/Mexico_City."
    ]
    assert fresh(alpha.creator).language == "en"


@pytest.mark.parametrize(
    ("timezone", "language", "field"),
    [("Mars/Olympus", "en", "timezone"), ("localtime", "en", "timezone"), ("UTC", "fr", "language")],
)
def test_the_service_refuses_what_the_form_would(alpha, timezone, language, field):
    with pytest.raises(ValidationError) as refused:
        creator_settings_update(creator=fresh(alpha.creator), timezone=timezone, language=language)

    assert list(refused.value.message_dict) == [field]
    assert fresh(alpha.creator).timezone == "UTC"


def test_the_service_writes_only_its_two_columns(alpha):
    creator = fresh(alpha.creator)
    Creator.objects.filter(pk=creator.pk).update(status=Creator.Status.SUSPENDED)

    creator_settings_update(creator=creator, timezone="America/Mexico_City", language="es")

    saved = fresh(alpha.creator)
    assert (saved.timezone, saved.language, saved.status) == ("America/Mexico_City", "es", "suspended")
