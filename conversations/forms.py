from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conversations.models import ContactMemory, Widget, bare_origin

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def origins_clean(entries: list[str]) -> list[str]:
    """Allowed sites as bare origins, sorted and once each; one error names every entry that is not."""
    origins, bad = [], []
    for entry in entries:
        if not entry.strip():
            continue
        origin = bare_origin(entry)
        (origins if origin else bad).append(origin or entry.strip())
    if bad:
        message = _(
            "Give whole site addresses such as https://www.example.com or http://localhost:3000, with no page, "
            "spaces or other characters after them (not: %(bad)s)."
        )
        raise ValidationError(message % {"bad": ", ".join(repr(b) if not b.isprintable() else b for b in bad)})
    if len(origins) > 20:
        raise ValidationError(_("Up to 20 sites."))
    return sorted(set(origins))


class WidgetForm(forms.ModelForm):
    allowed_origins = forms.CharField(
        label="Allowed sites",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://www.example.com"}),
        help_text="The sites where you paste the snippet, one per line. Other sites are refused.",
    )

    class Meta:
        model = Widget
        fields = ["name", "greeting", "avatar", "color", "text_color", "position", "allowed_origins"]
        widgets = {
            "color": forms.TextInput(attrs={"type": "color"}),
            "text_color": forms.TextInput(attrs={"type": "color"}),
            "greeting": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"color": "Bubble colour", "text_color": "Text colour", "avatar": "Avatar (emoji or initials)"}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance and not self.is_bound:
            self.initial["allowed_origins"] = "\n".join(self.instance.allowed_origins)

    def clean_allowed_origins(self) -> list[str]:
        return origins_clean(self.cleaned_data["allowed_origins"].splitlines())

    def clean_color(self) -> str:
        return self._colour("color")

    def clean_text_color(self) -> str:
        return self._colour("text_color")

    def _colour(self, field: str) -> str:
        value = self.cleaned_data[field]
        if not HEX_COLOUR.match(value):
            raise ValidationError("Choose a colour such as #0f766e.")
        return value.lower()


class MemoryForm(forms.Form):
    kind = forms.ChoiceField(choices=ContactMemory.Kind.choices)
    text = forms.CharField(max_length=300)


def secret_input() -> forms.PasswordInput:
    """Secrets are typed, never shown back: the field is empty again after a failed submit too."""
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})


class TelegramOutletForm(forms.Form):
    bot_token = forms.CharField(
        label=gettext_lazy("Bot token"),
        max_length=300,
        widget=secret_input(),
        help_text=gettext_lazy("BotFather gives it when you create the bot: 123456789:AAH…"),
    )


class WhatsAppOutletForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Display name"), max_length=120, required=False)
    phone_number_id = forms.CharField(
        label=gettext_lazy("Phone number ID"),
        max_length=30,
        help_text=gettext_lazy("Under API Setup in Meta's dashboard (not the phone number itself)."),
    )
    access_token = forms.CharField(label=gettext_lazy("Access token"), max_length=1000, widget=secret_input())
    app_secret = forms.CharField(label=gettext_lazy("App secret"), max_length=200, widget=secret_input())
    verify_token = forms.CharField(
        label=gettext_lazy("Verify token"),
        max_length=200,
        widget=secret_input(),
        help_text=gettext_lazy("Any phrase of 8 to 200 characters; you paste the same into Meta's dashboard."),
    )


class WhatsAppTemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Template name"), max_length=512)
    language = forms.CharField(label=gettext_lazy("Language"), max_length=15, initial="es")
    variables = forms.CharField(
        label=gettext_lazy("Variables"),
        max_length=800,
        required=False,
        help_text=gettext_lazy("The names of {{1}}, {{2}}… in order, separated by commas: first_name, step"),
    )

    def clean_variables(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["variables"].split(",") if name.strip()]
