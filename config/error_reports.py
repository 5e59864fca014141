"""What debug pages and error e-mails may show: never a credential, whether DEBUG is on or off.

Django hides settings whose names look secret. Service URLs hold passwords in plain sight
(postgresql://compa:password@db/compa), under names Django does not suspect and inside nested
settings (DATABASES, CACHES, CHANNEL_LAYERS, DRAMATIQ_BROKER), and `make run` serves its
debug pages with every one of them in the environment (request.META under a WSGI server).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

MASK = "********"
# Django's list, then our service URLs and anything named for a credential (cookies included).
HIDDEN_NAMES = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CREDENTIAL|PRIVATE|DSN"
    r"|DATABASE_URL|REDIS_URL|BROKER_URL|CHROMA_URL|OLLAMA_BASE_URL|EMAIL_URL|CACHE_URL"
    r"|COMPA_VISITOR|COMPA_CONTACT",
    flags=re.IGNORECASE,
)
URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>]+", flags=re.IGNORECASE)
SECRET_WORDS = r"pass|pwd|secret|token|key|auth|signature|credential|cookie"
SECRET_PARAMETER = re.compile(SECRET_WORDS, flags=re.IGNORECASE)
# key=value secrets in plain text, as in a libpq conninfo ("host=db password=hunter2"), and
# 'key': 'value' as in the repr of a dict or an object holding one.
SECRET_ASSIGNMENT = re.compile(
    rf"""(?P<lead>(?P<quote>['"])[\w.-]*(?:{SECRET_WORDS})[\w.-]*(?P=quote)\s*:\s*"""
    rf"""|\b[\w.-]*(?:{SECRET_WORDS})[\w.-]*\s*=\s*)"""
    r"""(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'",;&)}>\]]+)""",
    flags=re.IGNORECASE,
)


def _url_masked(match: re.Match[str]) -> str:
    url = match.group(0)
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    userinfo, at, host = netloc.rpartition("@")  # the last @ ends the user info, as in urlsplit
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{host}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(SECRET_PARAMETER.search(name) for name, _ in pairs):
        query = urlencode([(name, MASK if SECRET_PARAMETER.search(name) else value) for name, value in pairs], safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing to hide: shown exactly as written
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _assignment_masked(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[0] in "'\"" else ""
    return f"{match.group('lead')}{quote}{MASK}{quote}"


def credentials_masked(text: str) -> str:
    """`redis://:hunter2@cache:6379/0?password=x` → `redis://:********@cache:6379/0?password=********`,
    and `host=db password=hunter2` → `host=db password=********`."""
    return SECRET_ASSIGNMENT.sub(_assignment_masked, URL.sub(_url_masked, text))


class CredentialFilter(SafeExceptionReporterFilter):
    hidden_settings = HIDDEN_NAMES

    def is_active(self, request: HttpRequest | None) -> bool:
        # Django turns the filter off when DEBUG is on; a debug page must not show a password either
        # (sensitive_variables and sensitive_post_parameters, e.g. allauth's sign-in form).
        return True

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        # Django recurses through dicts, lists and tuples by calling this again: every string met
        # on the way, however deeply nested, has the credentials in its URLs masked.
        cleansed = super().cleanse_setting(key, value)
        return credentials_masked(cleansed) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> list[tuple[str, Any]]:
        # Frame variables get the settings' treatment: a variable or dict key named like a credential
        # (`password`, a connection's {'password': ...}) is hidden whatever the view is marked with.
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self._frame_value_cleansed(name, value)) for name, value in variables]

    def _frame_value_cleansed(self, name: str, value: Any) -> Any:
        if isinstance(value, str | dict | list | tuple) or self.hidden_settings.search(name):
            return self.cleanse_setting(name, value)
        # Anything else is shown as its repr: hide what that repr gives away, if anything.
        try:
            text = repr(value)
        except Exception:  # a broken repr: Django's own pprint shows its error instead
            return value
        masked = credentials_masked(text)
        return value if masked == text else masked

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        # Fields named like a credential (password1, new_password, token) are hidden even on a view
        # not marked with @sensitive_post_parameters, e.g. the invitation-accept form.
        post = super().get_post_parameters(request)
        hidden = [name for name in post if self.hidden_settings.search(name)]
        if not hidden:
            return post
        post = post.copy()
        for name in hidden:
            post[name] = MASK
        return post


class CredentialReporter(ExceptionReporter):
    """The exception's own message is the other place URLs show up ("cannot connect to redis://…")."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        for name in ("exception_value", "exception_notes", "request_insecure_uri"):
            if isinstance(data.get(name), str):
                data[name] = credentials_masked(data[name])
        for frame in data["frames"]:
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = credentials_masked(str(frame["exc_cause"]))
        if "request_GET_items" in data:
            data["request_GET_items"] = [
                (name, self.filter.cleanse_setting(name, value)) for name, value in data["request_GET_items"]
            ]
        return data
