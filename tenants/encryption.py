"""Secrets kept in the database (outlet tokens, app secrets), encrypted with keys of their own.

The keys are `settings.FIELD_ENCRYPTION_KEYS` (config/settings.py), never derived from SECRET_KEY:
the first encrypts, every one decrypts, so a new key can be put first while rows written under the
old one stay readable until `manage.py rotate_field_encryption` re-encrypts them. Fernet tokens
carry a random IV and a MAC: two encryptions of one text differ, and a tampered row is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Model, Transform
from django.db.models.lookups import IsNull
from django_tenants.utils import app_labels, get_tenant_model, schema_context

from tenants.scope import non_creator_schemas


class SecretUnreadable(ValueError):
    """A stored secret that none of the configured keys opens (wrong key, key dropped, or tampered)."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def secret_encrypt(text: str) -> str:
    """A token for `text` under the newest key."""
    return _current().encrypt(text.encode()).decode()


def secret_decrypt(token: str) -> str:
    """The text inside `token`, opened with whichever configured key made it."""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret fits none of FIELD_ENCRYPTION_KEYS: was the key that wrote it removed or changed?"
        ) from None


def secret_rotate(token: str) -> str:
    """`token` re-encrypted under the newest key (raises SecretUnreadable when no key opens it)."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret fits none of FIELD_ENCRYPTION_KEYS: was the key that wrote it removed or changed?"
        ) from None


class EncryptedTextField(models.TextField):
    """Stores a Fernet token, gives back the plaintext. Only `isnull` lookups: tokens never compare equal."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else secret_decrypt(value)

    def to_python(self, value: Any) -> str | None:
        # Values in Python are always plaintext; only the database sees tokens.
        return value if value is None else str(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return None if value is None else secret_encrypt(value)

    def get_lookup(self, lookup_name: str) -> type[IsNull] | None:
        return IsNull if lookup_name == "isnull" else None

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        return None


def encrypted_columns() -> dict[type[Model], list[str]]:
    """Every concrete model with an EncryptedTextField, and the names of those fields."""
    found: dict[type[Model], list[str]] = {}
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names and not model._meta.proxy:
            found[model] = names
    return found


def creator_schemas() -> Iterator[str]:
    """The schema of every creator (neither public nor the template new creators are cloned from)."""
    creators = get_tenant_model().objects.exclude(schema_name__in=non_creator_schemas())
    yield from creators.order_by("schema_name").values_list("schema_name", flat=True)


def encrypted_columns_rotate(columns: dict[type[Model], list[str]]) -> int:
    """Re-encrypt every row of `columns` in every creator schema under the newest key; the rows rewritten."""
    # Platform models keep their tables in public only; a creator's schema holds the tenant apps'.
    tenant_labels = set(app_labels(settings.TENANT_APPS))
    in_creators = {model: names for model, names in columns.items() if model._meta.app_label in tenant_labels}
    rewritten = 0
    for schema in list(creator_schemas()):
        with schema_context(schema):
            for model, names in in_creators.items():
                for name in names:
                    # Reading decrypts with any key; the update encrypts again with the newest one.
                    rows = model._default_manager.filter(**{f"{name}__isnull": False}).values_list("pk", name)
                    for pk, plaintext in rows.iterator():
                        rewritten += model._default_manager.filter(pk=pk).update(**{name: plaintext})
    return rewritten
