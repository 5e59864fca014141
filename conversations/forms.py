from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from conversations.models import ContactMemory, Widget, origin_of

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


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
        origins, bad = [], []
        for line in self.cleaned_data["allowed_origins"].splitlines():
            if not line.strip():
                continue
            origin = origin_of(line)
            (origins if origin else bad).append(origin or line.strip())
        if bad:
            raise ValidationError(f"Give whole site addresses such as https://www.example.com (not: {', '.join(bad)}).")
        if len(origins) > 20:
            raise ValidationError("Up to 20 sites.")
        return sorted(set(origins))

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
