from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.auth_limits import TooManyAttempts, attempt_release, login_attempt_consume, signup_attempt_consume
from tenants.models import TIME_ZONE_INVALID, ApiKey, Creator, User, time_zone_names
from tenants.roles import Role
from tenants.validators import validate_creator_slug


def person_name_field() -> forms.CharField:
    """The name clients see when this person joins a conversation; without it they saw the
    local part of an email address ("lucia from the team joined")."""
    return forms.CharField(
        max_length=150,
        label=gettext_lazy("Your name"),
        help_text=gettext_lazy("Shown to the people you coach when you join a conversation."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def clean_person_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationError(_("Tell us your name."), code="required")
    return name


def creator_address_example(request: HttpRequest | None) -> str:
    """What a new creator's host looks like from where this person is, port included: the form's
    example must be an address they can type."""
    host = request.get_host() if request is not None else ""
    port = host.rpartition(":")[2] if ":" in host else ""
    suffix = f":{port}" if port and port not in ("80", "443") else ""
    return f"your-name.{settings.PLATFORM_DOMAIN}{suffix}"


class CreatorSignupForm(forms.Form):
    """Extra fields on allauth's sign-up form: the person's name, the business and the slug that
    becomes its host."""

    field_order = ["name", "email", "password1", "password2", "business_name", "slug"]

    name = person_name_field()
    business_name = forms.CharField(max_length=100, label=gettext_lazy("Coaching business name"))
    slug = forms.CharField(max_length=40, label=gettext_lazy("Your address"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Form help text is rendered as HTML: a "<slug>" placeholder vanished as an unknown tag.
        address = escape(creator_address_example(context.request))
        self.fields["slug"].help_text = _(
            "Lowercase letters, digits and hyphens. Your coach will live at %(address)s."
        ) % {"address": address}

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data["name"])

    def clean_business_name(self) -> str:
        name = self.cleaned_data["business_name"].strip()
        if not name:
            raise ValidationError(_("Name your coaching business."))
        return name

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        validate_creator_slug(slug)
        if Creator.objects.filter(slug=slug).exists():
            raise ValidationError(
                _("“%(slug)s” is already taken. Please choose another.") % {"slug": slug}, code="taken"
            )
        return slug

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            signup_attempt_consume(context.request, email=str(self.data.get("email", "")))
        except TooManyAttempts as exc:
            raise ValidationError(_("Too many sign-up attempts. Please try again later."), code="throttled") from exc
        if self.has_error("slug") and self.has_error("email", "email_taken"):
            # The slug is checked first: with it refused, the answer must not tell whether the
            # address already has an account.
            kept = [error for error in self.errors.as_data()["email"] if error.code != "email_taken"]
            if kept:
                self.errors["email"] = self.error_class(kept, renderer=self.renderer)
            else:
                del self.errors["email"]
        return cleaned

    def signup(self, request: HttpRequest, user: User) -> None:
        from tenants.services import SlugTaken, creator_create, user_name_set

        user_name_set(user=user, name=self.cleaned_data["name"])
        try:
            creator_create(owner=user, name=self.cleaned_data["business_name"], slug=self.cleaned_data["slug"])
        except SlugTaken as exc:  # lost a race with another sign-up for the same slug
            raise ValidationError(_("“%(slug)s” was just taken. Please choose another.") % {"slug": exc}) from exc


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.COACH, label=gettext_lazy("Role"))


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=gettext_lazy("Role"))


class AcceptWithNewAccountForm(forms.Form):
    name = person_name_field()
    password = forms.CharField(widget=forms.PasswordInput, min_length=10, label=gettext_lazy("Choose a password"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "new-password"

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data["name"])


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("Where the key will be used, e.g. “Zapier” or “booking site”."),
    )
    scope = forms.ChoiceField(choices=ApiKey.Scope.choices, initial=ApiKey.Scope.READ, label=gettext_lazy("Scope"))


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


class CreatorSettingsForm(forms.Form):
    """The coaching space's time zone and default language (creator_settings_update saves them)."""

    timezone = forms.ChoiceField(
        choices=_time_zone_choices,
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("Check-ins, reminders and each day's analytics follow this clock."),
        error_messages={"invalid_choice": TIME_ZONE_INVALID},
    )
    language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        label=gettext_lazy("Language for new contacts"),
        help_text=gettext_lazy("Your coach speaks it to people who have not chosen a language yet."),
    )


class TwoFactorAuthenticateForm(AuthenticateForm):
    """The hub's two-factor step, counted in the same platform-wide budget as passwords: allauth's
    own counter for wrong codes lives in the schema-scoped cache, a fresh budget on every host."""

    def clean_code(self) -> str:
        request, login = context.request, self.user.email
        try:
            # Counted before the code is checked, so parallel guesses cannot all slip under the budget.
            counted = login_attempt_consume(request, login=login)
        except TooManyAttempts as exc:
            raise ValidationError(_("Too many failed login attempts. Try again later."), code="throttled") from exc
        code = super().clean_code()
        attempt_release(counted)
        return code
