"""Which language a message is in, among the languages the platform serves (settings.LANGUAGES:
English and Spanish).

Lingua (its models ship in the wheel) reads the text; a short message only decides when it is
unmistakable, so "ok", "sí?" after an English exchange, a name or an emoji keep the language the
conversation already has (the caller's `default`).
"""

from __future__ import annotations

import functools
import re
import unicodedata

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# One- and two-word messages that do say which language they are in.
SHORT_WORDS = {
    "es": frozenset(
        "hola gracias buenas buenos dias adios adiós vale claro dale sí si bueno perfecto genial entiendo "
        "nada cuándo cuando cuánto cuanto qué que cómo como dónde donde por favor muchas ayuda chao "
        "noches tardes entendido acuerdo quiero puedo tengo estoy".split()
    ),
    "en": frozenset(
        "hello hi hey thanks thank you yes yeah yep sure please bye goodbye morning evening night great "
        "awesome cool nice perfect understood when what how where why much many help want need".split()
    ),
}
CONFIDENT = 0.75


@functools.cache
def _detector():  # noqa: ANN202 - lingua's type
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()


def _code(language: object) -> str:
    return "es" if getattr(language, "name", "") == "SPANISH" else "en"


def language_guess(text: str) -> tuple[str | None, float]:
    """The language and how sure ('es' / 'en' / None, 0-1)."""
    words = [w.casefold() for w in WORD.findall(text)]
    if not words:
        return None, 0.0
    if any(mark in text for mark in "¿¡ñÑ"):
        return "es", 1.0
    if len(words) <= 2:
        plain = {unicodedata.normalize("NFC", w) for w in words}
        known = [lang for lang, vocabulary in SHORT_WORDS.items() if plain & vocabulary]
        if len(known) != 1:
            return None, 0.0
        return known[0], 1.0
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return None, 0.0
    return _code(values[0].language), values[0].value


def detect_language(text: str, default: str = "en") -> str:
    """'es' or 'en'; the default when the text does not say clearly."""
    language, confidence = language_guess(text)
    return language if language is not None and confidence >= CONFIDENT else default


def language_warm() -> None:
    """Load the two models before the first person waits for them (~0.1 s)."""
    _detector().compute_language_confidence_values("warm up the language models")
