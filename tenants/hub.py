"""The guard every hub page goes through: signed in, member of this host's creator, role allows it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.models import Creator
from tenants.roles import Capability
from tenants.selectors import membership_for

View = Callable[..., HttpResponse]


def hub_view(capability: Capability | None = None) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            creator = getattr(request, "tenant", None)
            if not isinstance(creator, Creator) or creator.kind != Creator.Kind.CREATOR:
                return render(request, "tenants/refused.html", {"message": "Not found."}, status=404)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(user=request.user, creator=creator)
            if membership is None:
                message = f"You are signed in as {request.user} but are not a member of {creator.name}."
                return render(request, "tenants/refused.html", {"message": message}, status=403)
            if capability is not None and not membership.can(capability):
                message = f"Your role ({membership.get_role_display()}) does not allow this page."
                return render(request, "tenants/refused.html", {"message": message}, status=403)
            request.membership = membership  # type: ignore[attr-defined]
            request.capabilities = {c.value for c in Capability if membership.can(c)}  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return guarded

    return decorate
