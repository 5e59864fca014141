"""Rules for the slug a creator picks: it becomes their hostname and (prefixed) schema name."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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


class PasswordStrengthValidator:
    """Refuse passwords that zxcvbn guesses quickly ("Summer2026", "Qwerty2024!"), whatever their length.

    Long passphrases in any alphabet pass: zxcvbn rates them on guessability, not character classes.
    It reads at most 72 characters, so only the start of a longer password is estimated (a long
    password whose first 72 characters are weak is weak anyway).
    """

    MAX_ESTIMATED_CHARS = 72

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        from zxcvbn import zxcvbn

        inputs = [value for value in (getattr(user, "email", ""), getattr(user, "first_name", "")) if value]
        estimate = zxcvbn(password[: self.MAX_ESTIMATED_CHARS], user_inputs=inputs)
        if estimate["score"] < self.min_score:
            raise ValidationError(
                _(
                    "This password is too easy to guess. Use a longer phrase of several uncommon words, "
                    "without names, dates or keyboard patterns."
                ),
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _("Your password must be hard to guess: a phrase of several uncommon words works well.")
