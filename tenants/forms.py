from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tenants.auth_limits import TooManyAttempts, attempt_release, login_attempt_consume, signup_attempt_consume
from tenants.models import ApiKey, Creator, User
from tenants.roles import Role
from tenants.validators import validate_creator_slug


class CreatorSignupForm(forms.Form):
    """Extra fields on allauth's sign-up form: the business and the slug that becomes its host."""

    business_name = forms.CharField(max_length=100, label="Coaching business name")
    slug = forms.CharField(
        max_length=40,
        label="Your address",
        help_text="Lowercase letters, digits and hyphens. Your coach will live at <slug>.localhost.",
    )

    def clean_business_name(self) -> str:
        name = self.cleaned_data["business_name"].strip()
        if not name:
            raise ValidationError("Name your coaching business.")
        return name

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        validate_creator_slug(slug)
        if Creator.objects.filter(slug=slug).exists():
            raise ValidationError(f"“{slug}” is already taken. Please choose another.", code="taken")
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
        from tenants.services import SlugTaken, creator_create

        try:
            creator_create(owner=user, name=self.cleaned_data["business_name"], slug=self.cleaned_data["slug"])
        except SlugTaken as exc:  # lost a race with another sign-up for the same slug
            raise ValidationError(f"“{exc}” was just taken. Please choose another.") from exc


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.COACH)


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptWithNewAccountForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, min_length=10, label="Choose a password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "new-password"


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="Where the key will be used, e.g. “Zapier” or “booking site”.")
    scope = forms.ChoiceField(choices=ApiKey.Scope.choices, initial=ApiKey.Scope.READ)


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
