"""Outlets: the ways a person reaches the coach and the coach reaches them. Each is a package
here exposing `outlet`, registered in settings.CONVERSATION_OUTLETS."""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from conversations.outlets.base import Outlet


class UnknownOutlet(LookupError):
    """A conversation or a request named an outlet this installation does not have."""


@functools.cache
def _registry() -> dict[str, Outlet]:
    outlets = [import_string(f"{path}.outlet") for path in settings.CONVERSATION_OUTLETS]
    return {outlet.name: outlet for outlet in outlets}


def outlet_get(name: str) -> Outlet:
    try:
        return _registry()[name]
    except KeyError as exc:
        raise UnknownOutlet(f"no outlet named {name!r}") from exc


def outlet_names() -> list[str]:
    return list(_registry())
