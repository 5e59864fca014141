from __future__ import annotations

import functools
import hashlib
import uuid
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import quote_schema_name, schema_exists

from tenants.provisioning import clone_template_schema
from tenants.roles import Capability, Role, role_can


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person: a creator's team member or platform staff. End users of a coach are not Users."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.email


# Names zoneinfo knows but that are no place: "localtime" means whatever the server is set to.
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
TIME_ZONE_INVALID = _("“%(value)s” is not a time zone. Use a name like Europe/Madrid or America/Mexico_City.")


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA time zones this server can compute, sorted; read once (it walks the zoneinfo tree)."""
    return tuple(sorted(zoneinfo.available_timezones() - _NOT_PLACES))


def validate_time_zone(name: str) -> None:
    """Refuse anything but an IANA name: schedules must never meet a zone they cannot compute."""
    if name not in time_zone_names():
        raise ValidationError(TIME_ZONE_INVALID, code="invalid_time_zone", params={"value": name})


def default_time_zone() -> str:
    return settings.CREATOR_DEFAULT_TIME_ZONE


class Creator(TenantMixin):
    """A coaching business: one Postgres schema, one host, one team."""

    class Kind(models.TextChoices):
        CREATOR = "creator", "Creator"
        PLATFORM = "platform", "Platform (public schema)"
        TEMPLATE = "template", "Template schema for cloning"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CREATOR)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    suspended_reason = models.CharField(max_length=200, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Where the creator's day begins and ends: schedules, reminders and analytics' days follow it.
    # (Declared after created_at: in the class body this name hides django.utils.timezone.)
    timezone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    # The language new contacts are spoken to in until they choose one.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")

    auto_create_schema = True

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def hostname(self) -> str:
        return f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    def public_url(self, path: str = "/") -> str:
        """This creator's address for links made outside a request (emails, jobs)."""
        port = settings.PUBLIC_PORT
        suffix = f":{port}" if port and port not in ("80", "443") else ""
        return f"{settings.PUBLIC_SCHEME}://{self.hostname}{suffix}{path}"

    # Set True on an instance to build its schema by running every migration (benchmarks, tests).
    provision_by_migration = False

    def create_schema(self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1) -> bool:
        """Clone the migrated template schema, or migrate from scratch when there is none.

        The copy includes the template's migration records, so the fake `migrate_schemas`
        django-tenants would run afterwards has nothing to do and is skipped.
        """
        _check_schema_name(self.schema_name)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        base_schema = settings.TENANT_BASE_SCHEMA
        if (
            sync_schema
            and not self.provision_by_migration
            and self.schema_name != base_schema
            and schema_exists(base_schema)
        ):
            clone_template_schema(template=base_schema, target=self.schema_name)
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {quote_schema_name(self.schema_name)}")
            if sync_schema:
                call_command(
                    "migrate_schemas",
                    tenant=True,
                    schema_name=self.schema_name,
                    interactive=False,
                    verbosity=verbosity,
                )
        connection.set_schema_to_public()
        return True


class Domain(DomainMixin):
    """A hostname (no port) that routes to a creator's schema."""


class Membership(models.Model):
    """A person's role in one creator's team."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["creator", "user"], name="one_membership_per_creator")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.creator.slug} ({self.role})"

    def can(self, capability: Capability) -> bool:
        return role_can(self.role, capability)


def hash_invitation_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An emailed offer to join a creator's team with a role. Only the token's hash is stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.creator.slug} ({self.role})"

    def is_open(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


def hash_api_key_secret(secret: str) -> str:
    """Keys are 256-bit random, so a fast hash is enough; a slow one would cost every request."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(models.Model):
    """A credential for a creator's own servers. Only its prefix and the secret's hash are kept.

    It acts as the team member who made it, with that member's role, capped by its scope: it
    stops working when that member leaves the team, as a revoked key does.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["creator", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows_method(self, method: str) -> bool:
        return self.scope == self.Scope.READ_WRITE or method in ("GET", "HEAD", "OPTIONS")


class CreatorWakeUp(models.Model):
    """When a creator next has proactive work due (a program step, a reminder), kept in the public
    schema so the scheduler's tick reads one indexed table instead of visiting every schema."""

    creator = models.OneToOneField(Creator, on_delete=models.CASCADE, primary_key=True, related_name="wake_up")
    due_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.creator_id} at {self.due_at:%Y-%m-%d %H:%M}"
