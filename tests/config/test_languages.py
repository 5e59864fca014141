"""Pages speak the person's language: their own choice (the set_language cookie) first, then their
browser's Accept-Language; and the catalogue is compiled without GNU gettext."""

from __future__ import annotations

import gettext
import os
import re

import polib
import pytest
from django.conf import settings
from django.test import Client, override_settings

from config.translations import LOCALE_DIR, catalogues_compile
from tests.conftest import client_for
from tests.factories import host

pytestmark = pytest.mark.django_db
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9,en;q=0.5"}


@pytest.fixture(autouse=True)
def _compiled_catalogue():
    """`make test` compiles before pytest starts; a bare `pytest` run gets the same here. Changing
    LOCALE_PATHS (to itself) drops the catalogues Django already loaded, so the fresh .mo is read."""
    catalogues_compile()
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.content.decode())[1]


def test_a_spanish_browser_gets_the_public_pages_in_spanish():
    client = Client(**host())

    landing = client.get("/", **SPANISH)
    sign_in = client.get("/accounts/login/", **SPANISH)

    assert page_language(landing) == "es"
    assert "Tu coaching, con tu voz, cada día." in landing.content.decode()
    assert "Empieza gratis" in landing.content.decode()
    assert page_language(sign_in) == "es"
    assert "Iniciar sesión" in sign_in.content.decode()
    # Shared caches must keep one copy per language.
    assert "Accept-Language" in landing["Vary"]
    assert landing["Content-Language"] == "es"


def test_a_spanish_browser_gets_the_hub_in_spanish(alpha):
    client = client_for(alpha.creator, alpha.owner)

    page = client.get("/hub/settings/", **SPANISH)

    assert page_language(page) == "es"
    body = page.content.decode()
    assert "Cerrar sesión" in body and "Zona horaria" in body and "Guardar ajustes" in body
    refused = client.post("/hub/settings/", {"timezone": "Mars/Olympus", "language": "es"}, **SPANISH)
    assert "“Mars/Olympus” no es una zona horaria." in refused.content.decode()


def test_a_browser_without_a_preference_gets_english():
    landing = Client(**host()).get("/")

    assert page_language(landing) == "en"
    assert "Your coaching, in your voice, every day." in landing.content.decode()


@pytest.mark.parametrize("on_creator_host", [False, True])
def test_the_persons_choice_wins_over_the_browser(alpha, on_creator_host):
    client = client_for(alpha.creator, alpha.owner) if on_creator_host else Client(**host())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/hub/settings/" if on_creator_host else "/", **SPANISH)

    assert page_language(page) == "en"
    body = page.content.decode()
    assert ("Sign out" if on_creator_host else "Start free") in body
    assert "sesión" not in body


@pytest.mark.parametrize("on_creator_host", [False, True])
def test_set_language_switches_the_pages(alpha, on_creator_host):
    client = client_for(alpha.creator, alpha.owner) if on_creator_host else Client(**host())
    path = "/hub/settings/" if on_creator_host else "/"
    assert page_language(client.get(path)) == "en"

    switched = client.post("/i18n/setlang/", {"language": "es", "next": path})

    assert switched.status_code == 302 and switched["Location"] == path
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert page_language(client.get(path)) == "es"
    client.post("/i18n/setlang/", {"language": "en", "next": path})
    assert page_language(client.get(path, **SPANISH)) == "en"


def test_every_page_offers_the_other_language():
    english = Client(**host()).get("/").content.decode()
    spanish = Client(**host()).get("/", **SPANISH).content.decode()

    assert 'action="/i18n/setlang/"' in english
    assert 'value="es" lang="es">Español</button>' in english
    assert 'value="en" lang="en">English</button>' in spanish


def write_po(path, entries: list[polib.POEntry]) -> None:
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es"}
    for entry in entries:
        po.append(entry)
    path.parent.mkdir(parents=True)
    po.save(str(path))


def test_the_compile_step_writes_a_mo_from_a_po(tmp_path):
    po_path = tmp_path / "es" / "LC_MESSAGES" / "django.po"
    write_po(
        po_path,
        [
            polib.POEntry(msgid="Sign in", msgstr="Iniciar sesión"),
            polib.POEntry(msgid="Maybe", msgstr="Quizá", flags=["fuzzy"]),
            polib.POEntry(msgid="Untranslated", msgstr=""),
        ],
    )

    written = catalogues_compile(tmp_path)

    mo_path = po_path.with_suffix(".mo")
    assert written == [mo_path]
    with mo_path.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext("Sign in") == "Iniciar sesión"
    # Guesses and gaps stay out, as msgfmt leaves them: the person reads the English instead.
    assert catalogue.gettext("Maybe") == "Maybe"
    assert catalogue.gettext("Untranslated") == "Untranslated"
    assert not list(tmp_path.rglob("*.partial"))


def test_the_compile_step_skips_an_up_to_date_mo_and_redoes_a_stale_one(tmp_path):
    po_path = tmp_path / "es" / "LC_MESSAGES" / "django.po"
    write_po(po_path, [polib.POEntry(msgid="Sign in", msgstr="Iniciar sesión")])
    assert catalogues_compile(tmp_path) == [po_path.with_suffix(".mo")]

    assert catalogues_compile(tmp_path) == []

    stat = po_path.stat()
    os.utime(po_path, (stat.st_atime, stat.st_mtime + 10))
    assert catalogues_compile(tmp_path) == [po_path.with_suffix(".mo")]
    assert catalogues_compile(tmp_path, force=True) == [po_path.with_suffix(".mo")]


def test_the_spanish_catalogue_is_complete_and_keeps_every_placeholder():
    catalogue = polib.pofile(str(LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"))
    placeholders = re.compile(r"%\(\w+\)[sd]|<[^>]+>")

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    for entry in catalogue.translated_entries():
        for translated in [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values():
            assert sorted(placeholders.findall(translated)) == sorted(placeholders.findall(entry.msgid)), entry.msgid


def test_every_spanish_plural_has_all_three_forms():
    """Spanish has three plural forms (1; a round million; the rest): a message with only two shows
    in English for 0 ("Notifications: 0 unread" on every hub page, found by a new user's trial)."""
    catalogue = polib.pofile(str(LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"))
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=3;")
    missing = [e.msgid for e in catalogue if e.msgid_plural and not all(e.msgstr_plural.get(i) for i in range(3))]
    assert missing == []
