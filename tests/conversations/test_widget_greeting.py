"""The widget greets in the persona's words unless the creator gave the widget its own greeting,
and its header names the coach, not the business."""

from __future__ import annotations

import json
import re

import pytest
from django_tenants.utils import tenant_context

from conversations.models import Persona, Widget
from tests.conftest import client_for
from tests.conversations.live import widget_for

pytestmark = pytest.mark.django_db


def frame_of(team, widget: Widget) -> tuple[str, dict]:
    page = client_for(team.creator).get(f"/widget/{widget.key}/").content.decode()
    config = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', page, re.S)
    assert config, page
    return page, json.loads(config.group(1))


@pytest.fixture
def rita(alpha):
    with tenant_context(alpha.creator):
        Persona.objects.update(coach_name="Rita", greeting="¡Hola! Soy Rita. ¿Qué entrenamos hoy?")
    return alpha


def test_an_untouched_widget_greets_with_the_personas_greeting(rita):
    widget = widget_for(rita.creator)
    page, config = frame_of(rita, widget)
    assert config["greeting"] == "¡Hola! Soy Rita. ¿Qué entrenamos hoy?"
    header = re.search(r'<header class="chat-head">(.*?)</header>', page, re.S).group(1)
    assert "<strong>Rita</strong>" in header
    assert rita.creator.name not in header


def test_a_widget_with_its_own_greeting_keeps_it(rita):
    widget = widget_for(rita.creator)
    with tenant_context(rita.creator):
        Widget.objects.filter(pk=widget.pk).update(greeting="Welcome to the club!")
    _, config = frame_of(rita, widget)
    assert config["greeting"] == "Welcome to the club!"


def test_the_hub_preview_shows_what_visitors_see(rita):
    widget_for(rita.creator)
    page = client_for(rita.creator, rita.coach).get("/hub/widget/").content.decode()
    found = re.search(r"<div class=\"preview-panel\">(.*?)</p></div>", page, re.S)
    assert found, page
    preview = found.group(1)
    assert "Rita" in preview and rita.creator.name not in preview
    assert "¡Hola! Soy Rita. ¿Qué entrenamos hoy?" in preview
