"""Rules for the slug a creator picks: it becomes their hostname and (prefixed) schema name."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www", "api", "admin", "public", "static", "media", "app", "hub", "ws", "www1", "www2",
        "mail", "email", "smtp", "imap", "pop", "ftp", "ssh", "vpn", "ns1", "ns2", "dns",
        "help", "support", "status", "docs", "blog", "assets", "cdn", "files", "uploads",
        "auth", "login", "logout", "signup", "account", "accounts", "billing", "dashboard",
        "root", "system", "template", "localhost", "platform", "compa", "companero",
        "healthz", "metrics", "internal", "staff", "security", "abuse", "postmaster",
    }
)  # fmt: skip


def validate_creator_slug(slug: str) -> None:
    if not slug:
        raise ValidationError("Choose a slug for your coaching space.", code="required")
    if not SLUG_PATTERN.match(slug) or "--" in slug:
        raise ValidationError(
            "Use 3 to 40 lowercase letters, digits or single hyphens, starting and ending "
            "with a letter or digit (for example: maria-fitness).",
            code="invalid",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError(f"“{slug}” is reserved. Please choose another.", code="reserved")


def schema_name_for_slug(slug: str) -> str:
    """Prefixing keeps creator schemas apart from `public`, `pg_*` and the template."""
    return "c_" + slug.replace("-", "_")
