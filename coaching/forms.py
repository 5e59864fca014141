"""The persona editor's rules, one set for the hub form and the API: the coach's own phrases per
language (empty: the default) and its safety message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from conversations.models import Persona
from conversations.phrases import DEFAULTS

PHRASE_LANGUAGES: tuple[str, ...] = tuple(DEFAULTS)
# Every fixed phrase but the safety message, which has its own field (one text for every language).
EDITABLE_PHRASES: tuple[str, ...] = tuple(key for key in DEFAULTS["en"] if key != "safety")
PHRASE_MAX_LENGTH = 300
SAFETY_MAX_LENGTH = 1000


def PHRASE_LABELS() -> dict[str, str]:
    return {
        "greeting": _("Greeting"),
        "thanks": _("When they say thanks"),
        "sign_off": _("When they say goodbye"),
        "capabilities": _("When they ask what the coach can do"),
        "unknown": _("When the material has no answer"),
        "not_understood": _("When they did not understand"),
        "offer": _("When they accept the coach's offer"),
        "declined": _("When they decline it"),
        "human": _("When they ask for a person"),
    }


def LANGUAGE_NAMES() -> dict[str, str]:
    return {"en": _("English"), "es": _("Spanish")}


def phrases_clean(value: Any) -> dict[str, dict[str, str]]:
    """{"es": {"thanks": "…"}} with known languages and phrases only, trimmed, the empty ones left out
    (they use the default)."""
    languages, keys = ", ".join(PHRASE_LANGUAGES), ", ".join(EDITABLE_PHRASES)
    if not isinstance(value, dict):
        raise ValidationError(_('Phrases are an object by language, like {"es": {"thanks": "…"}}.'))
    cleaned: dict[str, dict[str, str]] = {}
    for language, own in value.items():
        if language not in PHRASE_LANGUAGES:
            message = _("There are no phrases for the language “%(language)s”: use %(languages)s.")
            raise ValidationError(message % {"language": language, "languages": languages})
        if not isinstance(own, dict):
            raise ValidationError(_("The phrases for %(language)s are an object by phrase.") % {"language": language})
        for key, text in own.items():
            if key not in EDITABLE_PHRASES:
                message = _("There is no phrase “%(key)s”: use %(keys)s.")
                raise ValidationError(message % {"key": key, "keys": keys})
            if not isinstance(text, str):
                message = _("The phrase %(language)s.%(key)s must be text.")
                raise ValidationError(message % {"language": language, "key": key})
            if len(text.strip()) > PHRASE_MAX_LENGTH:
                message = _("The phrase %(language)s.%(key)s is longer than %(limit)d characters.")
                raise ValidationError(message % {"language": language, "key": key, "limit": PHRASE_MAX_LENGTH})
            if text.strip():
                cleaned.setdefault(language, {})[key] = text.strip()
    return cleaned


def phrase_field(language: str, key: str) -> str:
    return f"phrase_{language}_{key}"


class PersonaForm(forms.ModelForm):
    """The persona's own fields, the safety message, and one input per language and phrase whose
    placeholder is the default it replaces."""

    class Meta:
        model = Persona
        fields = ["coach_name", "greeting", "voice", "rules", "safety_message"]
        labels = {
            "coach_name": gettext_lazy("Coach name"),
            "greeting": gettext_lazy("Greeting"),
            "voice": gettext_lazy("Voice"),
            "rules": gettext_lazy("Rules"),
            "safety_message": gettext_lazy("Safety message"),
        }
        help_texts = {
            "voice": gettext_lazy("Describe the tone and style your coach writes in."),
            "rules": gettext_lazy("Things the coach must always or never do, one per line."),
            "safety_message": gettext_lazy(
                "What the coach says when a message shows a crisis, in every language. Empty: the default, "
                "in the person's language, which names local emergency numbers."
            ),
        }
        widgets = {
            "voice": forms.Textarea(attrs={"rows": 4}),
            "rules": forms.Textarea(attrs={"rows": 6}),
            "safety_message": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ui_language = (get_language() or "en")[:2]
        self.fields["safety_message"].max_length = SAFETY_MAX_LENGTH
        self.fields["safety_message"].widget.attrs["placeholder"] = DEFAULTS.get(ui_language, DEFAULTS["en"])["safety"]
        saved = self.instance.phrases if isinstance(self.instance.phrases, dict) else {}
        labels = PHRASE_LABELS()
        for language in PHRASE_LANGUAGES:
            own = saved.get(language) if isinstance(saved.get(language), dict) else {}
            for key in EDITABLE_PHRASES:
                self.fields[phrase_field(language, key)] = forms.CharField(
                    label=labels[key],
                    required=False,
                    max_length=PHRASE_MAX_LENGTH,
                    initial=own.get(key, ""),
                    widget=forms.TextInput(attrs={"placeholder": DEFAULTS[language][key]}),
                )

    def phrase_sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """For the template: each language's name with its phrase inputs."""
        names = LANGUAGE_NAMES()
        return [
            (names.get(language, language), [self[phrase_field(language, key)] for key in EDITABLE_PHRASES])
            for language in PHRASE_LANGUAGES
        ]

    def persona_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        given = {
            language: {key: cleaned.get(phrase_field(language, key)) or "" for key in EDITABLE_PHRASES}
            for language in PHRASE_LANGUAGES
        }
        cleaned["phrases"] = phrases_clean(given)
        cleaned["safety_message"] = (cleaned.get("safety_message") or "").strip()
        return cleaned
