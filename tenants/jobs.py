"""The one way to declare a background job that touches a creator's data.

Every such actor takes the creator's schema name as its first argument and runs inside that
schema; a message without a known creator is refused (it dead-letters, never falls back to public).
Services enqueue through `actor.send_on_commit(...)`, which names the schema for them and fails
closed where there is no creator (see tenants.scope), instead of each writing its own `on_commit`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import dramatiq
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from tenants.models import Creator
from tenants.scope import creator_schema, creator_schema_checked

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


class TenantActor(dramatiq.Actor):
    """A Dramatiq actor whose first argument is the creator's schema."""

    def send_on_commit(self, *args: Any, creator: Creator | None = None, **kwargs: Any) -> None:
        """Enqueue this job once the current transaction commits (at once outside one).

        The schema is the current creator's, or `creator`'s for code that serves a creator from the
        public schema (an invitation sent from the platform). It is settled now, not at commit, so a
        call outside any creator raises OutsideCreatorScope here, in the caller, never a job for
        `public`.
        """
        schema = creator_schema() if creator is None else creator_schema_checked(creator.schema_name)
        transaction.on_commit(lambda: self.send(schema, *args, **kwargs))


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
        return dramatiq.actor(run, actor_class=TenantActor, **actor_options)

    return decorate(fn) if fn is not None else decorate
