"""The current creator, for everything outside SQL that must carry it: vector collections, channel
groups, cache keys, media paths, jobs.

django-tenants scopes SQL through the connection's search path, which quietly falls back to
`public`. These helpers fail closed instead: outside a creator's schema they raise, so nothing is
ever named `public_*` or `creator_template_*`. The few keys that are platform-wide on purpose go
through `platform_key`, whose name says so.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection


class OutsideCreatorScope(RuntimeError):
    """Code that needs one creator ran in the public or the template schema."""


def creator_schema_checked(schema: str) -> str:
    """`schema` itself, if it can be a creator's (for code that carries it, like a socket)."""
    if not isinstance(schema, str) or not schema or schema in non_creator_schemas():
        raise OutsideCreatorScope(f"this needs a creator's schema, not {schema!r}")
    return schema


def creator_schema() -> str:
    """The schema of the creator this request, socket or job is serving."""
    return creator_schema_checked(connection.schema_name)


def non_creator_schemas() -> frozenset[str]:
    """The platform's own schemas; the template is one because every creator is cloned from it."""
    return frozenset(
        {settings.PUBLIC_SCHEMA_NAME, getattr(settings, "TENANT_BASE_SCHEMA", "") or settings.PUBLIC_SCHEMA_NAME}
    )


def creator_key(*parts: object) -> str:
    """A cache key that belongs to the current creator."""
    return ":".join([creator_schema(), *(str(p) for p in parts)])


def platform_key(*parts: object) -> str:
    """A cache key shared by every creator on purpose (sign-in throttles, idempotency on the public host)."""
    return ":".join(["platform", *(str(p) for p in parts)])
