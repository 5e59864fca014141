"""Compañero settings: one module, every value from the environment, development defaults.

Parsers are strict on purpose: a typo in production should stop the process, not be ignored.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("COMPA_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key_from_file(
    path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(64), min_length: int = 50
) -> str:
    """The key of a development machine: made at the first start, read by every later process.

    It is written to a private temporary file (mkstemp: mode 0600) and published with os.link,
    which fails when the file exists: web, worker and scheduler started together never read a
    half-written key, and whichever links first wins; the others read its key back.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < min_length:
        raise ImproperlyConfigured(f"{path} holds no usable secret key: delete it and a new one is made")
    return key


def secret_key_weakness(key: str) -> str | None:
    """Why a production key must be refused: Django's own weak-key test, and the docs' placeholders."""
    if len(key) < 50 or len(set(key)) < 5:
        return "shorter than 50 characters or too repetitive"
    if key.startswith("django-insecure") or "change-me" in key.lower():
        return "a placeholder from the documentation"
    return None


def fernet_key_positions_refused(keys: list[str]) -> list[int]:
    """The 1-based positions of keys Fernet cannot use, so a typo stops the process at start."""
    refused = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            refused.append(position)
    return refused


DEBUG = env_bool("DJANGO_DEBUG", True)
# Never a key from the source: production must set one, development makes its own under var/.
# Tokens signed with an earlier key (JWTs, hand-off and sign-in links) stop working when it
# changes; there are no SECRET_KEY_FALLBACKS unless you add the old key on purpose.
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not DEBUG and not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
if not DEBUG and (weakness := secret_key_weakness(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is {weakness}: use 50 or more random characters"
        """ (python -c "import secrets; print(secrets.token_urlsafe(50))")"""
    )
if not SECRET_KEY:
    SECRET_KEY = secret_key_from_file(VAR_DIR / "secret_key")

# Secrets kept in the database (outlet tokens) are encrypted with keys of their own, never derived
# from SECRET_KEY: rotating one must not lose the other. The first key encrypts, every key decrypts
# (tenants/encryption.py); put a new key first, run `manage.py rotate_field_encryption`, then drop
# the old one. FIELD_ENCRYPTION_KEY, when set, is the newest.
FIELD_ENCRYPTION_KEYS = [*env_list("FIELD_ENCRYPTION_KEY", []), *env_list("FIELD_ENCRYPTION_KEYS", [])]
if not DEBUG and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY is required when DJANGO_DEBUG is off"
        """ (python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")"""
    )
if not FIELD_ENCRYPTION_KEYS:
    FIELD_ENCRYPTION_KEYS = [
        secret_key_from_file(VAR_DIR / "field_encryption_key", lambda: Fernet.generate_key().decode(), min_length=44)
    ]
if bad := fernet_key_positions_refused(FIELD_ENCRYPTION_KEYS):
    # Positions only: a key in the message would end up in logs.
    raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY(S) entries {bad} are not Fernet keys (32 url-safe base64 bytes)")

# Creators live on <slug>.<PLATFORM_DOMAIN>; the bare PLATFORM_DOMAIN is the public site.
PLATFORM_DOMAIN = env_str("PLATFORM_DOMAIN", "localhost")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "csp",
    "django_dramatiq",
    # The project's wiring (platform commands: bootstrap, scheduler, purge); no models.
    "config",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "analytics",
    "knowledge",
    "coaching",
    "conversations",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Creator"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New creators are cloned from this migrated template schema instead of migrating each one.
TENANT_BASE_SCHEMA = "creator_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# migrate_schemas reads every schema's applied migrations in a few queries and migrates only the
# schemas behind (tenants.migration_executors); "standard" / "multiprocessing" are django-tenants'
# own, which run `migrate` in every schema. MIGRATION_PROCESSES above 1 migrates schemas in parallel.
GET_EXECUTOR_FUNCTION = "tenants.migration_executors.get_executor"
TENANT_MIGRATION_EXECUTOR = env_str("TENANT_MIGRATION_EXECUTOR", "pending-only")
MIGRATION_PROCESSES = env_int("MIGRATION_PROCESSES", 1)
if MIGRATION_PROCESSES < 1:
    raise ImproperlyConfigured(f"MIGRATION_PROCESSES must be 1 or more, got {MIGRATION_PROCESSES}")
# Issue `SET search_path` once per connection and schema switch, not before every query (it
# was half of chat's round trips); django-tenants clears it on rollback, close and set_tenant.
TENANT_LIMIT_SET_CALLS = env_bool("TENANT_LIMIT_SET_CALLS", True)
DEFAULT_NOT_FOUND_TENANT_VIEW = "tenants.views.unknown_host"
ROOT_URLCONF = "config.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
AUTH_USER_MODEL = "tenants.User"

MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.content_security.ContentSecurityPolicyMiddleware",
    # ETags on every GET (API reads included) and 304 for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    # Static files stream asynchronously under ASGI (no whole-file read, no warning per response).
    "config.streaming.AsyncStreamingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language a person chose (the django_language cookie set by /i18n/setlang/), else their
    # browser's Accept-Language, else LANGUAGE_CODE. After the tenant (the host is resolved) and
    # before CommonMiddleware, as Django asks.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.SessionBoundToHostMiddleware",
    "tenants.middleware.SuspendedCreatorMiddleware",
    "tenants.idempotency.IdempotencyKeyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tenants.two_factor.StaffTwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASE_URL = env_str("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/compa")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        engine="django_tenants.postgresql_backend",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "compa")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        # Scope every cache key to the current creator's schema.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    },
    # Abuse limits that must hold across every creator's host (per IP, per account, per address):
    # the same Redis, without the schema in the key.
    "limits": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:limits",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    },
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_KEY_PREFIX}:asgi"},
    }
}

DRAMATIQ_BROKER_URL = env_str("DRAMATIQ_BROKER_URL", REDIS_URL)
DRAMATIQ_BROKER = {
    "BROKER": (
        "dramatiq.brokers.stub.StubBroker" if DRAMATIQ_BROKER_URL == "stub://" else "dramatiq.brokers.redis.RedisBroker"
    ),
    "OPTIONS": (
        {}
        if DRAMATIQ_BROKER_URL == "stub://"
        else {"url": DRAMATIQ_BROKER_URL, "namespace": f"{REDIS_KEY_PREFIX}-dramatiq"}
    ),
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Retries",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
    ],
}
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]

CHROMA_URL = env_str("CHROMA_URL")
OLLAMA_BASE_URL = env_str("OLLAMA_BASE_URL")
HEALTHCHECK_TIMEOUT_SECONDS = float(env_str("HEALTHCHECK_TIMEOUT_SECONDS", "2"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn's estimate refuses what the lists miss: "Summer2026", keyboard walks, names + years.
    {"NAME": "tenants.validators.PasswordStrengthValidator", "OPTIONS": {"min_score": 3}},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: email + password, no usernames.
ACCOUNT_ADAPTER = "tenants.adapters.CreatorAccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "tenants.forms.CreatorSignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "hub-home"
ACCOUNT_SIGNUP_REDIRECT_URL = "hub-home"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Failed sign-ins (hub form, staff admin, POST /api/v1/token) share one budget per account and
# one per client IP across every host; see tenants/auth_limits.py (allauth's own login_failed
# counters live in the schema-scoped cache, so the adapter replaces them).
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 30)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 300)
# Sign-up attempts (hub form and API), so probing which addresses have accounts stays bounded.
SIGNUPS_PER_ADDRESS_PER_HOUR = env_int("SIGNUPS_PER_ADDRESS_PER_HOUR", 5)
SIGNUPS_PER_IP_PER_HOUR = env_int("SIGNUPS_PER_IP_PER_HOUR", 20)
# How many proxies in front of us append to X-Forwarded-For. 0: the client is REMOTE_ADDR and the
# header (which any client can write) is ignored by every rate limit.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or more")
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
# Two-factor (allauth.mfa): TOTP apps and recovery codes, under /accounts/2fa/.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Compañero"
MFA_FORMS = {"authenticate": "tenants.forms.TwoFactorAuthenticateForm"}
# Staff must turn on two-factor before the admin lets them in (on by default in production).
STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", not DEBUG)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Compañero <no-reply@{PLATFORM_DOMAIN}>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.CreatorJWTAuthentication",
        "tenants.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["tenants.api_throttles.PerCredentialThrottle", "tenants.api_throttles.PerIpThrottle"],
    "DEFAULT_PAGINATION_CLASS": "tenants.api_pagination.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.IsCreatorMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "tenants.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tenants.api_errors.api_exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "signup": env_str("THROTTLE_SIGNUP", "20/hour"),
        "token": env_str("THROTTLE_TOKEN", "30/minute"),
        "api_credential": env_str("THROTTLE_API_CREDENTIAL", "600/minute"),
        "api_ip": env_str("THROTTLE_API_IP", "1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Compañero API",
    "DESCRIPTION": "Proactive AI coaching platform. Creator endpoints live on <slug>.<domain>/api/v1/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "OAS_VERSION": "3.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A memory's kind appears in MemoryIn and MemoryOut: one enum, named as before they were split.
    "ENUM_NAME_OVERRIDES": {
        "MemoryKindEnum": "conversations.models.ContactMemory.Kind",
        "OutletKindEnum": "conversations.models.MessagingOutlet.Kind",
        "ProgramStepKindEnum": "coaching.models.ProgramStep.Kind",
        "ProgramStatusEnum": "coaching.models.Program.Status",
        "EnrollmentStatusEnum": "coaching.models.Enrollment.Status",
        "ReminderStatusEnum": "coaching.models.Reminder.Status",
    },
}
# How long an answer to a POST with an Idempotency-Key is kept for replay.
IDEMPOTENCY_KEY_SECONDS = env_int("IDEMPOTENCY_KEY_SECONDS", 24 * 3600)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    # An empty JWT_SIGNING_KEY (a blank line in .env) must not sign tokens with an empty key.
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "ALGORITHM": "HS256",
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Each refresh answers a new refresh token and revokes the one used (token_blacklist).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}
# Hand-off links carry a signed-in creator from the public host to their own host.
HANDOFF_MAX_AGE_SECONDS = env_int("HANDOFF_MAX_AGE_SECONDS", 120)
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 7)

LANGUAGE_CODE = "en"
# Named in their own language: a person looks for the one they read.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
# A new creator's time zone until an owner changes it; schedules and day boundaries follow it.
CREATOR_DEFAULT_TIME_ZONE = env_str("CREATOR_DEFAULT_TIME_ZONE", "UTC")
try:
    ZoneInfo(CREATOR_DEFAULT_TIME_ZONE)
except (ValueError, ZoneInfoNotFoundError) as exc:
    raise ImproperlyConfigured(
        f"CREATOR_DEFAULT_TIME_ZONE must be an IANA time zone such as Europe/Madrid, got {CREATOR_DEFAULT_TIME_ZONE!r}"
    ) from exc
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve static files straight from the app folders (tests, a server started without collectstatic).
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# Hosts are separate origins: never share a session cookie across creators.
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Trusting the proxy's scheme means a proxy is in front of us; with NUM_PROXIES at 0 every visitor
    # would look like that proxy, and all per-IP limits would become one budget for the whole platform.
    if NUM_PROXIES == 0:
        raise ImproperlyConfigured(
            "TRUST_X_FORWARDED_PROTO is on, so a reverse proxy is in front of the app, but NUM_PROXIES is 0:"
            " every visitor would share the proxy's address and its rate limits. Set NUM_PROXIES to the number"
            " of proxies that append to X-Forwarded-For (1 for a single reverse proxy)."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
# Debug pages and error reports mask service URLs' passwords and anything named like a credential.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reports.CredentialFilter"
DEFAULT_EXCEPTION_REPORTER = "config.error_reports.CredentialReporter"
# Escaping is not the only defence against injected markup: scripts run only from our own files or
# with this response's nonce. connect-src gains this host's ws:/wss: per request (the middleware).
# Style attributes stay allowed (they cannot run code; bar charts use them), <style> elements need
# the nonce. The widget frame sets its own policy (frame-ancestors: the creator's sites).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # one line per Chroma/Ollama call otherwise
        "chromadb": {"level": "WARNING"},
    },
}

# How people reach the platform, for links made outside a request (emails, jobs, the demo).
PUBLIC_SCHEME = env_str("PUBLIC_SCHEME", "http" if DEBUG else "https")
PUBLIC_PORT = env_str("PUBLIC_PORT", env_str("PORT", "8000") if DEBUG else "")

# Knowledge engine.
KNOWLEDGE_MAX_UPLOAD_BYTES = env_int("KNOWLEDGE_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
KNOWLEDGE_PARSE_TIMEOUT_SECONDS = env_int("KNOWLEDGE_PARSE_TIMEOUT_SECONDS", 180)
KNOWLEDGE_PARSE_MEMORY_MB = env_int("KNOWLEDGE_PARSE_MEMORY_MB", 1024)
KNOWLEDGE_MAX_UNZIPPED_BYTES = env_int("KNOWLEDGE_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024)
# ~500 characters: one idea per chunk, exact citations, and the size e5-small embeds at ~19/s here.
KNOWLEDGE_CHUNK_CHARS = env_int("KNOWLEDGE_CHUNK_CHARS", 500)
KNOWLEDGE_CHUNK_OVERLAP = env_int("KNOWLEDGE_CHUNK_OVERLAP", 60)
# A document stuck in "processing" this long (a killed worker) may be claimed again.
KNOWLEDGE_STALE_PROCESSING_SECONDS = env_int("KNOWLEDGE_STALE_PROCESSING_SECONDS", 600)
EMBEDDING_BACKEND = env_str("EMBEDDING_BACKEND", "e5-small-q4")
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
CONVERSATION_WINDOW = env_int("CONVERSATION_WINDOW", 10)
# The outlets people reach the coach through: each a package under conversations/outlets/ (or an
# app above) exposing `outlet`. Adding one is a folder and a line here.
CONVERSATION_OUTLETS = [
    "conversations.outlets.web",
    "conversations.outlets.app",
    "conversations.outlets.api",
    "conversations.outlets.telegram",
    "conversations.outlets.whatsapp",
    "conversations.outlets.email",
]
# Where the coach writes first when the person's preferred outlet cannot carry a message, in order
# (docs/outlets.md): the router walks this list over the person's identities.
OUTBOUND_ROUTE_ORDER = env_list("OUTBOUND_ROUTE_ORDER", ["telegram", "whatsapp", "app", "email"])
# The platforms' APIs (tests and `make run` trials point these at local protocol servers).
TELEGRAM_API_URL = env_str("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
WHATSAPP_API_URL = env_str("WHATSAPP_API_URL", "https://graph.facebook.com").rstrip("/")
WHATSAPP_API_VERSION = env_str("WHATSAPP_API_VERSION", "v26.0")
# Hosts a media download may go to (the access token goes with it); the API's own host always may.
WHATSAPP_MEDIA_HOSTS = env_list("WHATSAPP_MEDIA_HOSTS", ["fbsbx.com", "facebook.com", "whatsapp.net"])
OUTLET_API_TIMEOUT_SECONDS = env_float("OUTLET_API_TIMEOUT_SECONDS", 10.0)
# A speech-to-text server speaking OpenAI's /v1/audio/transcriptions (faster-whisper servers do);
# unset: voice notes are kept for the team and the coach says it reads text only.
TRANSCRIPTION_URL = env_str("TRANSCRIPTION_URL", "").rstrip("/")
TRANSCRIPTION_API_KEY = env_str("TRANSCRIPTION_API_KEY", "")
TRANSCRIPTION_MODEL = env_str("TRANSCRIPTION_MODEL", "whisper-1")
# Webhook bodies (a batch of WhatsApp changes can be large); other views keep Django's 2.5 MB.
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 6 * 1024 * 1024)
RAW_DELIVERY_RETENTION_DAYS = env_int("RAW_DELIVERY_RETENTION_DAYS", 7)
# Sending to a platform: tries before a message is dead-lettered, and the backoff's ceiling.
OUTBOUND_MAX_ATTEMPTS = env_int("OUTBOUND_MAX_ATTEMPTS", 6)
OUTBOUND_MAX_BACKOFF_SECONDS = env_int("OUTBOUND_MAX_BACKOFF_SECONDS", 600)
# Telegram allows about one message a second per chat.
TELEGRAM_CHAT_INTERVAL_SECONDS = env_float("TELEGRAM_CHAT_INTERVAL_SECONDS", 1.0)
# Every inbound message runs through these stages, in order (docs/architecture.md). An app above
# conversations adds its own (coaching reads a check-in answer before the reply) without
# conversations importing it. Stages from `produce_reply` on answer the message.
# The proactive engine (coaching): the scheduler's tick, a run's batch, how long a check-in waits
# for its answer, and when a check-in interrupted by a real question is asked again.
SCHEDULER_TICK_SECONDS = env_int("SCHEDULER_TICK_SECONDS", 60)
PROACTIVE_BATCH = env_int("PROACTIVE_BATCH", 200)
CHECK_IN_ANSWER_HOURS = env_int("CHECK_IN_ANSWER_HOURS", 20)
# How often each creator's rules look for new firings (silence, missed check-ins, goals at risk).
RULES_EVALUATE_MINUTES = env_int("RULES_EVALUATE_MINUTES", 15)
# How often every creator's analytics rollups count new events (reading the dashboard also does).
ANALYTICS_ROLLUP_MINUTES = env_int("ANALYTICS_ROLLUP_MINUTES", 10)
# Messages the coach writes (an LLM call each) per creator per job; the next job waits its turn.
RULES_WRITE_BATCH = env_int("RULES_WRITE_BATCH", 20)
CHECK_IN_ASK_AGAIN_MINUTES = env_int("CHECK_IN_ASK_AGAIN_MINUTES", 120)

CONVERSATION_TURN_STAGES = [
    "conversations.services.turns.check_message",
    "conversations.services.turns.identify_contact",
    "conversations.services.turns.limit_person",
    "conversations.services.turns.find_conversation",
    "conversations.services.turns.drop_duplicate",
    "conversations.services.turns.check_consent",
    "conversations.services.turns.store_message",
    "coaching.stages.cancel_waiting_nudges",
    "conversations.services.turns.settle_language",
    "conversations.services.safety.check_safety",
    "conversations.services.turns.check_takeover",
    "coaching.stages.read_program_words",
    "coaching.stages.read_check_in_answer",
    "coaching.stages.read_reminder_request",
    "conversations.services.turns.read_conversational_act",
    "conversations.services.turns.produce_reply",
    "conversations.services.turns.format_reply",
    "conversations.services.turns.deliver_reply",
]
OLLAMA_MODEL = env_str("OLLAMA_MODEL", "mistral")
OLLAMA_MAX_TOKENS = env_int("OLLAMA_MAX_TOKENS", 512)
OLLAMA_TIMEOUT_SECONDS = float(env_str("OLLAMA_TIMEOUT_SECONDS", "30"))
CHAT_MAX_MESSAGE_CHARS = env_int("CHAT_MAX_MESSAGE_CHARS", 4000)
KNOWLEDGE_URL_MAX_BYTES = env_int("KNOWLEDGE_URL_MAX_BYTES", 5 * 1024 * 1024)
KNOWLEDGE_URL_TIMEOUT_SECONDS = float(env_str("KNOWLEDGE_URL_TIMEOUT_SECONDS", "10"))
# host:port pairs allowed although private (tests, or an intranet wiki you trust). Empty by default.
KNOWLEDGE_URL_ALLOWED_PRIVATE_HOSTS = env_list("KNOWLEDGE_URL_ALLOWED_PRIVATE_HOSTS", [])

# Live chat: websockets, widgets, flood control, the companion app and web push.
CHAT_MAX_FRAME_BYTES = env_int("CHAT_MAX_FRAME_BYTES", 16 * 1024)
CHAT_FRAMES_BURST = env_int("CHAT_FRAMES_BURST", 20)
CHAT_FRAMES_PER_SECOND = float(env_str("CHAT_FRAMES_PER_SECOND", "2"))
CHAT_USER_MESSAGES_PER_MINUTE = env_int("CHAT_USER_MESSAGES_PER_MINUTE", 20)
# Anonymous widget abuse: one IP (all its visitors) and one widget are held to these too, so
# reconnecting without a token does not reset the person's limit.
CHAT_IP_MESSAGES_PER_MINUTE = env_int("CHAT_IP_MESSAGES_PER_MINUTE", 30)
CHAT_WIDGET_MESSAGES_PER_MINUTE = env_int("CHAT_WIDGET_MESSAGES_PER_MINUTE", 600)
CHAT_NEW_VISITORS_PER_IP_PER_HOUR = env_int("CHAT_NEW_VISITORS_PER_IP_PER_HOUR", 20)
CHAT_NEW_VISITORS_PER_WIDGET_PER_HOUR = env_int("CHAT_NEW_VISITORS_PER_WIDGET_PER_HOUR", 2000)
# Sign-in links (companion app form and the widget's identify frame), across every creator's host.
SIGN_IN_LINKS_PER_SOCKET = env_int("SIGN_IN_LINKS_PER_SOCKET", 2)
SIGN_IN_LINKS_PER_ADDRESS_PER_HOUR = env_int("SIGN_IN_LINKS_PER_ADDRESS_PER_HOUR", 5)
SIGN_IN_LINKS_PER_IP_PER_HOUR = env_int("SIGN_IN_LINKS_PER_IP_PER_HOUR", 10)
SIGN_IN_LINKS_PER_CREATOR_PER_HOUR = env_int("SIGN_IN_LINKS_PER_CREATOR_PER_HOUR", 200)
# Per web process; each keeps one database connection open.
CHAT_DB_THREADS = env_int("CHAT_DB_THREADS", 4)
CHAT_REPLY_THREADS = env_int("CHAT_REPLY_THREADS", 16)
VAPID_PRIVATE_KEY_FILE = Path(env_str("VAPID_PRIVATE_KEY_FILE", str(VAR_DIR / "vapid_private.pem")))
VAPID_SUBJECT = env_str("VAPID_SUBJECT", f"mailto:support@{PLATFORM_DOMAIN}")
PUSH_TIMEOUT_SECONDS = float(env_str("PUSH_TIMEOUT_SECONDS", "5"))
# Push services besides the browsers' own (FCM, Mozilla, Apple, Windows), for a browser that uses
# another: host names, or *.example.com for every name under it. Still https and public only.
WEBPUSH_ALLOWED_HOSTS = env_list("WEBPUSH_ALLOWED_HOSTS", [])
# host:port pairs allowed as push endpoints although private and plain http (tests, a relay you run).
WEBPUSH_ALLOWED_PRIVATE_HOSTS = env_list("WEBPUSH_ALLOWED_PRIVATE_HOSTS", [])
