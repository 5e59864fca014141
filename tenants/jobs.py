"""The one way to declare a background job that touches a creator's data.

Every such actor takes the creator's schema name as its first argument and runs inside that
schema; a message without a known creator is refused (it dead-letters, never falls back to public).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import dramatiq
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.models import Creator

logger = logging.getLogger(__name__)
R = TypeVar("R")


class UnknownCreatorSchema(Exception):
    """A job named a schema that is not a creator's: refuse it rather than guess."""


def creator_for_job(schema_name: Any) -> Creator:
    if not isinstance(schema_name, str) or not schema_name:
        raise UnknownCreatorSchema(f"job needs a creator schema name, got {schema_name!r}")
    connection.set_schema_to_public()
    creator = Creator.objects.filter(schema_name=schema_name, kind=Creator.Kind.CREATOR).first()
    if creator is None:
        raise UnknownCreatorSchema(f"no creator with schema {schema_name!r}")
    return creator


def tenant_actor(fn: Callable[..., R] | None = None, **actor_options: Any) -> Any:
    """`@tenant_actor` / `@tenant_actor(max_retries=3)`: fn(creator, *args) inside `tenant_context`."""

    def decorate(func: Callable[..., R]) -> Any:
        @functools.wraps(func)
        def run(schema_name: str, *args: Any, **kwargs: Any) -> R:
            creator = creator_for_job(schema_name)
            try:
                with tenant_context(creator):
                    return func(creator, *args, **kwargs)
            finally:
                connection.set_schema_to_public()

        actor_options.setdefault("actor_name", f"{func.__module__}.{func.__name__}")
        return dramatiq.actor(run, **actor_options)

    return decorate(fn) if fn is not None else decorate
