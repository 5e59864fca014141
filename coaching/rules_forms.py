"""The hub's rule forms: they collect and show; coaching.services.rules checks what a rule needs
(days for a silence, a metric for a measurement, a program for a due step…) and its
ValidationErrors are put back next to the field they name (form_errors_from)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from coaching.models import Program, Rule
from coaching.selectors import programs_list

# Which of the trigger's fields each trigger uses (the form shows only those, with JavaScript).
TRIGGER_FIELDS: dict[str, tuple[str, ...]] = {
    Rule.Trigger.NO_REPLY: ("days",),
    Rule.Trigger.CHECK_IN_MISSED: (),
    Rule.Trigger.METRIC_BELOW: ("metric", "threshold"),
    Rule.Trigger.METRIC_ABOVE: ("metric", "threshold"),
    Rule.Trigger.METRIC_FALLING: ("metric", "days"),
    Rule.Trigger.GOAL_AT_RISK: (),
    Rule.Trigger.STREAK_REACHED: ("metric", "days"),
    Rule.Trigger.STEP_DUE: (),
}
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    Rule.Action.AI_MESSAGE: ("needs_approval", "whatsapp_template", "whatsapp_template_language"),
    Rule.Action.FIXED_MESSAGE: ("message", "needs_approval", "whatsapp_template", "whatsapp_template_language"),
    Rule.Action.NOTIFY_TEAM: (),
    Rule.Action.MOVE_TO_STEP: ("step_day",),
}


class ProgramChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Program) -> str:
        return obj.name


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    trigger = forms.ChoiceField(label=gettext_lazy("When"), choices=Rule.Trigger.choices)
    days = forms.IntegerField(
        label=gettext_lazy("Days"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=gettext_lazy(
            "Days without a reply; or how many measurements in a row fall; or the streak's length in days."
        ),
    )
    metric = forms.SlugField(
        label=gettext_lazy("Measurement"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("The metric a program's check-ins record, e.g. sleep_hours."),
    )
    threshold = forms.FloatField(
        label=gettext_lazy("Threshold"), required=False, help_text=gettext_lazy("Fires below or above this value.")
    )
    program = ProgramChoice(
        label=gettext_lazy("Program"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=gettext_lazy("Everyone (no program)"),
        help_text=gettext_lazy("Only people in this program. Needed for “a program step due” and “move to a step”."),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        max_length=800,
        required=False,
        help_text=gettext_lazy("Only people with one of these tags, separated by commas. Empty: no tag needed."),
    )
    action = forms.ChoiceField(label=gettext_lazy("Then"), choices=Rule.Action.choices, initial=Rule.Action.AI_MESSAGE)
    message = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For a fixed message: {name} becomes the person's first name."),
    )
    step_day = forms.IntegerField(
        label=gettext_lazy("Program day"),
        min_value=0,
        max_value=730,
        required=False,
        help_text=gettext_lazy(
            "Move people on to this day of the program (or, for “a program step due”, the day whose steps fire "
            "the rule; empty: any day)."
        ),
    )
    holdout_percent = forms.IntegerField(
        label=gettext_lazy("Held back at random (%)"),
        min_value=0,
        max_value=90,
        initial=10,
        help_text=gettext_lazy(
            "This share of firings is not acted on, so the rule's page can compare those people with "
            "the ones who got the nudge."
        ),
    )
    needs_approval = forms.BooleanField(
        label=gettext_lazy("The team approves each message before it goes"), required=False
    )
    target_metric = forms.SlugField(
        label=gettext_lazy("Measurement to compare"),
        max_length=60,
        required=False,
        help_text=gettext_lazy(
            "Optional: besides replies, the rule's page compares this measurement in the week after."
        ),
    )
    whatsapp_template = forms.CharField(
        label=gettext_lazy("WhatsApp template"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Optional: used when the person's 24-hour WhatsApp window is closed."),
    )
    whatsapp_template_language = forms.CharField(
        label=gettext_lazy("Template language"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("e.g. en or es. Empty: the person's language."),
    )

    SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("name", ("name",)),
        ("trigger", ("trigger", "days", "metric", "threshold")),
        ("target", ("program", "tags")),
        (
            "action",
            ("action", "message", "step_day", "needs_approval", "whatsapp_template", "whatsapp_template_language"),
        ),
        ("measure", ("holdout_percent", "target_metric")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "rule-%s")
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs_list().exclude(status=Program.Status.ARCHIVED)  # type: ignore[attr-defined]

    @classmethod
    def for_rule(cls, rule: Rule, data: Any = None) -> RuleForm:
        initial = {name: getattr(rule, name) for name in cls.base_fields if name not in ("program", "tags")}
        initial["program"] = rule.program_id
        initial["tags"] = ", ".join(rule.tags or [])
        return cls(data, initial=initial)

    def clean_tags(self) -> list[str]:
        given = self.cleaned_data.get("tags") or ""
        return [tag.strip().lower() for tag in given.split(",") if tag.strip()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("metric", "message", "target_metric", "whatsapp_template", "whatsapp_template_language"):
            cleaned[name] = (cleaned.get(name) or "").strip()
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields}

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(key, [self[name] for name in names]) for key, names in self.SECTIONS]


class ApprovalForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False  # rejecting needs no text; approving checks it (the service)

    def clean_text(self) -> str:
        return (self.cleaned_data.get("text") or "").replace("\r\n", "\n").strip()


class SendingWindowForm(forms.Form):
    """The Programs page's sending window with the rules' limits."""

    start = forms.CharField(label=gettext_lazy("From"), max_length=5)
    end = forms.CharField(label=gettext_lazy("Until"), max_length=5)
    daily_cap = forms.IntegerField(
        label=gettext_lazy("Messages the coach starts per person per day"), min_value=1, max_value=20, required=False
    )
    approval_hours = forms.IntegerField(
        label=gettext_lazy("Hours a message may wait for approval"), min_value=1, max_value=168, required=False
    )
