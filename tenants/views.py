from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.api_errors import error_response
from tenants.forms import (
    AcceptWithNewAccountForm,
    ApiKeyForm,
    CreatorSettingsForm,
    InvitationForm,
    RoleChangeForm,
)
from tenants.hub import hub_view
from tenants.middleware import wants_json
from tenants.roles import Capability
from tenants.selectors import (
    api_key_get,
    api_keys_for,
    creator_memberships_for_user,
    invitation_by_token,
    open_invitations,
    team_members,
    team_membership_get,
)
from tenants.services import (
    EmailNotVerified,
    EmailTaken,
    HandoffInvalid,
    TeamRuleBroken,
    api_key_create,
    api_key_revoke,
    creator_settings_update,
    handoff_token_create,
    handoff_token_redeem,
    invitation_accept,
    invitation_accept_with_new_account,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's own refusals (a body over the size limit, a bad host) in the API's error shape."""
    from django.core.exceptions import RequestDataTooBig
    from django.views.defaults import bad_request as html_bad_request

    if not wants_json(request):
        return html_bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        code, status, message = "too_large", 413, "The request body is larger than this endpoint accepts."
    else:
        code, status, message = "bad_request", 400, "The request could not be understood."
    return error_response(code, message, status)


def unknown_host(request: HttpRequest) -> HttpResponse:
    message = _("No coaching space lives at this address. Check the spelling of the link.")
    if wants_json(request):
        return error_response("unknown_host", message, 404)
    return render(request, "tenants/refused.html", {"message": message}, status=404)


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


def hub_url_for(request: HttpRequest, creator_hostname: str, path: str) -> str:
    """The creator's URL on the same scheme and port the request came in on."""
    _, _, port = request.get_host().rpartition(":") if ":" in request.get_host() else ("", "", "")
    suffix = f":{port}" if port and port not in ("80", "443") else ""
    return f"{request.scheme}://{creator_hostname}{suffix}{path}"


@login_required
def hub_home_public(request: HttpRequest) -> HttpResponse:
    """On the public host, /hub/ sends a signed-in person to their creator's own host."""
    memberships = list(creator_memberships_for_user(user=request.user))
    if len(memberships) == 1:
        return redirect_to_hub(request, memberships[0].creator)
    return render(request, "tenants/choose_hub.html", {"memberships": memberships})


@login_required
@require_POST
def hub_handoff_public(request: HttpRequest, slug: str) -> HttpResponse:
    membership = creator_memberships_for_user(user=request.user).filter(creator__slug=slug).first()
    if membership is None:
        message = _("You are not a member of that space.")
        return render(request, "tenants/refused.html", {"message": message}, status=404)
    return redirect_to_hub(request, membership.creator)


def redirect_to_hub(request: HttpRequest, creator) -> HttpResponse:  # noqa: ANN001
    token = handoff_token_create(user=request.user, creator=creator)
    return HttpResponseRedirect(hub_url_for(request, creator.hostname, f"/hub/handoff/?token={token}"))


def hub_handoff(request: HttpRequest) -> HttpResponse:
    try:
        user = handoff_token_redeem(token=request.GET.get("token", ""), creator=request.tenant)
    except HandoffInvalid as exc:
        return render(request, "tenants/refused.html", {"message": str(exc)}, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("hub-home")


@hub_view(Capability.MANAGE_TEAM)
def team(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_create(
                creator=request.tenant,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except EmailNotVerified as exc:
            return render(request, "tenants/refused.html", {"message": str(exc)}, status=403)
        except (TeamRuleBroken, ValidationError) as exc:
            form.add_error("email", " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("hub-team")
    context = {
        "form": form,
        "members": team_members(creator=request.tenant),
        "invitations": open_invitations(creator=request.tenant),
        "role_form": RoleChangeForm(),
    }
    return render(request, "tenants/team.html", context, status=400 if form.errors else 200)


@hub_view(Capability.MANAGE_TEAM)
@require_POST
def team_member_update(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Change a member's role; the last owner cannot stop being one (the service says so)."""
    membership = team_membership_get(creator=request.tenant, membership_id=membership_id)
    if membership is None:
        return render(request, "tenants/refused.html", {"message": _("No such team member.")}, status=404)
    form = RoleChangeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a valid role."))
        membership_change_role(membership=membership, role=form.cleaned_data["role"])
        messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
    except (TeamRuleBroken, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("hub-team")


@hub_view(Capability.MANAGE_TEAM)
@require_POST
def team_member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = team_membership_get(creator=request.tenant, membership_id=membership_id)
    if membership is None:
        return render(request, "tenants/refused.html", {"message": _("No such team member.")}, status=404)
    try:
        membership_remove(membership=membership)
        messages.success(request, f"{membership.user} was removed from the team.")
    except TeamRuleBroken as exc:
        messages.error(request, str(exc))
    return redirect("hub-team")


@hub_view(Capability.MANAGE_TEAM)
@require_POST
def invitation_withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = open_invitations(creator=request.tenant).filter(pk=invitation_id).first()
    if invitation is not None:
        invitation_revoke(invitation=invitation)
        messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("hub-team")


def invitation_respond(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(creator=request.tenant, token=token)
    if invitation is None or not invitation.is_open():
        message = _("This invitation is not valid any more. Ask the person who invited you for a new one.")
        return render(request, "tenants/refused.html", {"message": message}, status=404)
    form = AcceptWithNewAccountForm(
        request.POST if request.method == "POST" and not request.user.is_authenticated else None
    )
    error = ""
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                invitation_accept(invitation=invitation, user=request.user)
            elif form.is_valid():
                user, _membership = invitation_accept_with_new_account(
                    invitation=invitation, password=form.cleaned_data["password"], name=form.cleaned_data["name"]
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except EmailTaken:
            error = _("You already have an account: sign in first, then open this link again.")
        except (TeamRuleBroken, ValidationError) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
        if not error and not form.errors:
            messages.success(request, _("Welcome to %(name)s!") % {"name": request.tenant.name})
            return redirect("hub-home")
    context = {"invitation": invitation, "form": form, "error": error}
    return render(request, "tenants/invitation.html", context, status=400 if error or form.errors else 200)


@hub_view(Capability.MANAGE_TEAM)
def api_keys(request: HttpRequest) -> HttpResponse:
    """Keys for the creator's own servers. A new key is shown on this one answer and never again."""
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = api_key_create(creator=request.tenant, created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiKeyForm()
    context = {"form": form, "keys": api_keys_for(creator=request.tenant), "new_key": new_key}
    return render(request, "tenants/api_keys.html", context, status=400 if form.errors else 200)


@hub_view(Capability.MANAGE_TEAM)
@require_POST
def api_key_revoke_view(request: HttpRequest, key_id: str) -> HttpResponse:
    key = api_key_get(creator=request.tenant, key_id=key_id)
    if key is None:
        return render(request, "tenants/refused.html", {"message": "No such API key."}, status=404)
    api_key_revoke(key=key)
    messages.success(request, f"The key “{key.name}” is revoked: requests using it are refused from now on.")
    return redirect("hub-api-keys")


@hub_view(Capability.MANAGE_TEAM)
def creator_settings(request: HttpRequest) -> HttpResponse:
    """The space's time zone and new contacts' language: owners only, as they shape every schedule."""
    creator = request.tenant
    initial = {"timezone": creator.timezone, "language": creator.language}
    form = CreatorSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            creator_settings_update(creator=creator, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("hub-settings")
    return render(request, "tenants/settings.html", {"form": form}, status=400 if form.errors else 200)
