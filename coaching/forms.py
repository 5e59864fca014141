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


# --- Programs: the hub's builder -------------------------------------------------------------------
# The forms collect and show; the rules live in coaching.services.programs, whose ValidationErrors
# are put back on the field they name (form_errors_from) so they show next to it.

SERVICE_FIELD_NAMES = {"answer": "answer_type", "quiet_hours": None, "program": None, "contact": None}


def form_errors_from(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError shown on the form: on the field it names when the form has it,
    else above the form."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.error_dict.items():
        name = SERVICE_FIELD_NAMES.get(key, key)
        field = name if name in form.fields else None
        for error in errors:
            for message in error.messages:
                form.add_error(field, message)


class ProgramCreateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProgramSettingsForm(ProgramCreateForm):
    keyword = forms.CharField(
        label=gettext_lazy("WhatsApp keyword"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("One word people send on WhatsApp to join. Empty: none."),
    )
    web_enrollment = forms.BooleanField(
        label=gettext_lazy("People can join from the widget and the app"), required=False
    )


def STEP_KIND_CHOICES() -> list[tuple[str, str]]:
    from coaching.models import ProgramStep

    return list(ProgramStep.Kind.choices)


def ANSWER_TYPE_CHOICES() -> list[tuple[str, str]]:
    from coaching.models import ProgramStep

    return [("", _("—")), *ProgramStep.AnswerType.choices]


class StepForm(forms.Form):
    """One step; `at` is a time of day (HH:MM) or empty for "right away". Check-in fields are
    checked by step_add/step_update (a check-in needs an answer type and a metric)."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=STEP_KIND_CHOICES)
    day = forms.IntegerField(label=gettext_lazy("Day"), min_value=0, max_value=730, initial=0)
    at = forms.CharField(
        label=gettext_lazy("Time"),
        required=False,
        max_length=5,
        help_text=gettext_lazy("HH:MM in the person's time. Empty: right away."),
        widget=forms.TextInput(attrs={"placeholder": "08:00", "inputmode": "numeric", "size": 6}),
    )
    text = forms.CharField(label=gettext_lazy("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    answer_type = forms.ChoiceField(label=gettext_lazy("Answer type"), choices=ANSWER_TYPE_CHOICES, required=False)
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=20, required=False)
    metric = forms.CharField(
        label=gettext_lazy("Metric"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("A name for what is measured, e.g. sleep_hours."),
    )

    def __init__(self, *args: Any, prefix_id: str = "new", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"step-{prefix_id}-%s")
        super().__init__(*args, **kwargs)

    @classmethod
    def for_step(cls, step: Any) -> StepForm:
        initial = {
            "kind": step.kind,
            "day": step.day,
            "at": step.at.strftime("%H:%M") if step.at else "",
            "text": step.text,
            "answer_type": step.answer_type,
            "unit": step.unit,
            "metric": step.metric,
        }
        return cls(initial=initial, prefix_id=str(step.pk))

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("kind", "day", "at", "text")]

    def check_in_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("answer_type", "unit", "metric")]


def COMPARISON_CHOICES() -> list[tuple[str, str]]:
    from coaching.models import Goal

    return list(Goal.Comparison.choices)


class GoalForm(forms.Form):
    metric = forms.SlugField(label=gettext_lazy("Metric"), max_length=60)
    comparison = forms.ChoiceField(label=gettext_lazy("Comparison"), choices=COMPARISON_CHOICES)
    target = forms.FloatField(label=gettext_lazy("Target"))
    times = forms.IntegerField(
        label=gettext_lazy("Times"),
        min_value=1,
        required=False,
        help_text=gettext_lazy("How many days in the window must meet it. Empty: the latest value."),
    )
    window_days = forms.IntegerField(label=gettext_lazy("Window (days)"), min_value=1, max_value=730, initial=7)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "goal-%s")
        super().__init__(*args, **kwargs)


class EnrollByEmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), widget=forms.EmailInput(attrs={"list": "contact-emails"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "enroll-%s")
        super().__init__(*args, **kwargs)


class EnrollByTagForm(forms.Form):
    tag = forms.CharField(label=gettext_lazy("Tag"), max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "enroll-tag-%s")
        super().__init__(*args, **kwargs)
