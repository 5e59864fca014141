"""The words the chat widget and the companion app show from JavaScript, in the page's language.

Pages render them as JSON (json_script, or a JS object in the service worker) and the scripts read
them from there: no sentence a person reads is written in the JavaScript itself. A `%(name)s` in a
word is filled in by the script (an email address, a document's title)."""

from __future__ import annotations

import json

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conversations.models import ContactMemory

register = template.Library()

# What the person may have told the coach, as the app's "About me" lists it.
MEMORY_KINDS = {
    "name": gettext_lazy("Name"),
    "goal": gettext_lazy("Goal"),
    "constraint": gettext_lazy("Constraint"),
    "preference": gettext_lazy("Preference"),
}
_JS_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def client_words() -> dict[str, str]:
    """Every word chat.js, the app's page script and its service worker show, in the active language."""
    return {
        # chat.js: the conversation
        "source": _("Source: %(title)s"),
        "source_page": _("Source: %(title)s (p. %(page)s)"),
        "with_person": _("A person from the team is with you."),
        "link_sent": _("Check %(email)s for a link to continue anywhere."),
        "reconnecting": _("Reconnecting…"),
        "unavailable": _("This chat is not available."),
        "signed_out": _("This sign-in is no longer valid. Sign in again."),
        # chat.js: what went wrong, by the error frame's code (the server's own text is for developers)
        "too_fast": _("You are writing faster than your coach can read. Wait a moment, then try again."),
        "too_many_links": _("Too many sign-in links asked for. Try again later."),
        "bad_message": _("This message could not be sent. Check it and try again."),
        "bad_email": _("That does not look like an email address."),
        "reply_failed": _("Your coach could not answer just now. Please try again."),
        "went_wrong": _("Something went wrong. Reload the page and try again."),
        # app.html: notifications
        "push_on": _("Notifications are on."),
        "push_failed": _("Could not turn notifications on."),
        "push_refused": _("Notifications were not allowed."),
        # app_sw.js: a push message without a title of its own
        "coach": _("Your coach"),
    }


@register.simple_tag(name="client_words")
def client_words_tag() -> dict[str, str]:
    """{% client_words as words %}{{ words|json_script:"chat-words" }}"""
    return client_words()


@register.simple_tag
def client_words_js() -> SafeString:
    """The words as a JavaScript object literal, for scripts without a page (the service worker)."""
    return mark_safe(json.dumps(client_words()).translate(_JS_ESCAPES))  # noqa: S308 - escaped JSON


@register.filter
def memory_kind(item: ContactMemory) -> str:
    """A remembered fact's kind ("Goal"), in the page's language."""
    return str(MEMORY_KINDS.get(item.kind, item.get_kind_display()))
