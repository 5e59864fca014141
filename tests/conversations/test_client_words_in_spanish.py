"""The widget's and the companion app's own words follow the person's language: the browser's in the
widget frame; in the app the language the person writes to the coach in, else the browser's, else the
creator's. The scripts show only words the page hands them, and the sign-in email goes out in the
language of the page that asked for it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from conversations import services
from conversations.identity import CONTACT_COOKIE, contact_token
from conversations.models import Contact
from conversations.templatetags.client_words import client_words
from tenants.models import Creator
from tests.conversations.live import widget_for
from tests.factories import host

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates" / "conversations"


def words_of(page: str) -> dict[str, str]:
    found = re.search(r'<script id="chat-words" type="application/json">(.*?)</script>', page, re.S)
    assert found, page
    return json.loads(found.group(1))


def lang_of(page: str) -> str:
    return re.search(r'<html lang="([^"]*)"', page).group(1)


def signed_in(team, contact: Contact, **headers: str) -> Client:
    client = Client(**host(team.creator), **headers)
    client.cookies[CONTACT_COOKIE] = contact_token(schema=team.creator.schema_name, contact_id=contact.pk)
    return client


@pytest.fixture
def lucia(alpha):
    with tenant_context(alpha.creator):
        contact = services.contact_resolve(email="lucia@example.com")
        services.memory_learn(contact=contact, text="My name is Lucía and I want to run a 10k in May.")
        Contact.objects.filter(pk=contact.pk).update(language="es")
        contact.refresh_from_db()
    return contact


def test_the_widget_frame_speaks_the_browsers_spanish(alpha):
    widget = widget_for(alpha.creator)
    response = Client(**host(alpha.creator), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").get(f"/widget/{widget.key}/")
    page = response.content.decode()
    assert lang_of(page) == "es" and response["Content-Language"] == "es"
    assert 'placeholder="Escribe un mensaje…"' in page
    assert ">Enviar</button>" in page and ">Envíame un enlace</button>" in page
    assert "Continuar en otro dispositivo" in page and "escribiendo…" in page
    assert "Write a message" not in page and "Email me a link" not in page
    words = words_of(page)
    assert words["source"] == "Fuente: %(title)s"
    assert words["reconnecting"] == "Reconectando…"
    assert words["with_person"] == "Una persona del equipo está contigo."


def test_the_widget_frame_stays_english_for_an_english_browser(alpha):
    widget = widget_for(alpha.creator)
    page = Client(**host(alpha.creator), HTTP_ACCEPT_LANGUAGE="en-GB").get(f"/widget/{widget.key}/").content.decode()
    assert lang_of(page) == "en"
    assert 'placeholder="Write a message…"' in page
    assert words_of(page)["source"] == "Source: %(title)s"


def test_every_word_the_scripts_show_is_handed_to_them_by_the_page(alpha, lucia):
    given = set(client_words())
    chat_js = (ROOT / "static" / "compa" / "chat.js").read_text()
    app_script = (TEMPLATES / "app.html").read_text().split("{% block scripts %}", 1)[1]
    worker = (TEMPLATES / "app_sw.js").read_text()
    used = set(re.findall(r"\bwords\.(\w+)", chat_js)) | set(re.findall(r"\bwords\.(\w+)", app_script))
    used |= set(re.findall(r"\bWORDS\.(\w+)", worker))
    assert used and used <= given, f"missing from client_words(): {sorted(used - given)}"
    assert given <= used, f"given but never shown: {sorted(given - used)}"
    # No sentence a person reads is written in the scripts themselves.
    for name, source in [("chat.js", chat_js), ("app.html", app_script), ("app_sw.js", worker)]:
        literals = re.findall(r'"([^"\n]*)"', source)
        sentences = [t for t in literals if re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", t) and t != "use strict"]
        assert sentences == [], f"{name}: {sentences}"
    # Both pages with the chat hand over every word, in the page's language.
    widget = widget_for(alpha.creator)
    frame = Client(**host(alpha.creator), HTTP_ACCEPT_LANGUAGE="es").get(f"/widget/{widget.key}/").content.decode()
    assert set(words_of(frame)) == given
    app = signed_in(alpha, lucia).get("/app/").content.decode()
    assert set(words_of(app)) == given
    assert words_of(app)["push_on"] == "Las notificaciones están activadas."


def test_the_sign_in_page_and_its_email_speak_the_pages_spanish(alpha):
    client = Client(**host(alpha.creator), HTTP_ACCEPT_LANGUAGE="es")
    page = client.get("/app/").content.decode()
    assert lang_of(page) == "es"
    assert "Tu coach, en tu bolsillo" in page and ">Envíame un enlace de inicio de sesión</button>" in page
    assert "Email me a sign-in link" not in page
    mail.outbox.clear()
    sent = client.post("/app/sign-in/", {"email": "lucia@example.com"})
    page = sent.content.decode()
    assert sent.status_code == 200 and sent["Content-Language"] == "es"
    assert "Te hemos enviado un enlace de inicio de sesión a <strong>lucia@example.com</strong>" in page
    assert mail.outbox[-1].subject.startswith("Tu enlace de inicio de sesión para")
    assert "Abre este enlace en los próximos 15 minutos" in mail.outbox[-1].body


def test_the_app_follows_the_language_the_person_writes_in_over_the_browsers(alpha, lucia):
    response = signed_in(alpha, lucia, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/app/")
    page = response.content.decode()
    assert lang_of(page) == "es" and response["Content-Language"] == "es"
    assert "Lo que tu coach recuerda" in page and "What your coach remembers" not in page
    assert "<strong>Objetivo:</strong>" in page
    assert "Cerrar sesión (lucia@example.com)" in page
    assert 'placeholder="Escribe un mensaje…"' in page


def test_a_person_with_no_language_yet_gets_the_browsers_else_the_creators(alpha, lucia):
    with tenant_context(alpha.creator):
        Contact.objects.filter(pk=lucia.pk).update(language="")
    assert lang_of(signed_in(alpha, lucia, HTTP_ACCEPT_LANGUAGE="es").get("/app/").content.decode()) == "es"
    assert lang_of(signed_in(alpha, lucia, HTTP_ACCEPT_LANGUAGE="en").get("/app/").content.decode()) == "en"
    Creator.objects.filter(pk=alpha.creator.pk).update(language="es")
    page = signed_in(alpha, lucia).get("/app/").content.decode()  # no Accept-Language: the creator's
    assert lang_of(page) == "es" and "Lo que tu coach recuerda" in page
    page = signed_in(alpha, lucia, HTTP_ACCEPT_LANGUAGE="fr-FR,fr").get("/app/").content.decode()
    assert lang_of(page) == "es", "a language we do not speak falls back to the creator's"


def test_the_offline_page_and_the_service_worker_speak_spanish(alpha):
    client = Client(**host(alpha.creator), HTTP_ACCEPT_LANGUAGE="es")
    offline = client.get("/app/offline/").content.decode()
    assert lang_of(offline) == "es" and "Estás sin conexión" in offline
    worker = client.get("/app/sw.js").content.decode()
    assert 'const SHELL = "compa-shell-v2-es";' in worker
    words = json.loads(re.search(r"const WORDS = (\{.*?\});\n", worker).group(1))
    assert words["coach"] == "Tu coach"
    english = Client(**host(alpha.creator), HTTP_ACCEPT_LANGUAGE="en").get("/app/sw.js").content.decode()
    assert 'const SHELL = "compa-shell-v2-en";' in english and '"coach": "Your coach"' in english


def test_the_widget_frame_falls_back_to_the_creators_language(alpha):
    widget = widget_for(alpha.creator)
    Creator.objects.filter(pk=alpha.creator.pk).update(language="es")
    assert lang_of(Client(**host(alpha.creator)).get(f"/widget/{widget.key}/").content.decode()) == "es"
    english = Client(**host(alpha.creator), HTTP_ACCEPT_LANGUAGE="en").get(f"/widget/{widget.key}/")
    assert lang_of(english.content.decode()) == "en"
