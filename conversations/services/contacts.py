"""Who the creator's clients are: contacts, their identifiers, tags and imports."""

from __future__ import annotations

import csv
import io
import logging
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import Event
from analytics.services import contact_events_anonymise, event_record
from conversations.identity import WebIdentity
from conversations.models import Contact, ContactIdentity, Conversation
from conversations.selectors import parsed_uuid

logger = logging.getLogger(__name__)


PHONE = re.compile(r"^\+?[0-9]{6,15}$")


class ConversationNotFound(Exception):
    """The conversation does not exist or belongs to another contact."""


def normalize_contact_reference(*, external_id: str = "", email: str = "", phone: str = "") -> dict[str, str]:
    reference: dict[str, str] = {}
    if external_id.strip():
        reference["external_id"] = external_id.strip()[:200]
    if email.strip():
        email = email.strip().lower()
        validate_email(email)
        reference["email"] = email
    if phone.strip():
        digits = re.sub(r"[\s().-]", "", phone)
        if not PHONE.match(digits):
            raise ValidationError({"phone": "Give the phone number in international form, e.g. +34600111222."})
        reference["phone"] = digits if digits.startswith("+") else f"+{digits}"
    if not reference:
        raise ValidationError({"contact": "Identify the contact by external_id, email or phone."})
    return reference


def contact_resolve(*, source: str = "api", **reference: str) -> Contact:
    """The contact any of these identifiers points to (found through its identities), created on
    first sight. Identifiers the caller adds that the contact lacks are filled in."""
    normalized = normalize_contact_reference(**reference)
    matches = Q()
    for column, value in normalized.items():
        matches |= Q(outlet=COLUMN_OUTLETS[column], address=value)
    with transaction.atomic():
        by_outlet = {i.outlet: i.contact_id for i in ContactIdentity.objects.filter(matches)}
        contact_id = next((by_outlet[COLUMN_OUTLETS[c]] for c in normalized if COLUMN_OUTLETS[c] in by_outlet), None)
        if contact_id is None:
            # A contact written without its identities (an older row, the admin): its columns still count.
            columns = Q()
            for column, value in normalized.items():
                columns |= Q(**{column: value})
            contact_id = Contact.objects.filter(columns).order_by("created_at").values_list("pk", flat=True).first()
        if contact_id is None:
            contact = Contact.objects.create(**normalized)
            contact_identities_sync(contact=contact)
            _contact_created(contact, outlet=source)
            return contact
        contact = Contact.objects.select_for_update().get(pk=contact_id)
        changed = [field for field, value in normalized.items() if getattr(contact, field) is None]
        for field in changed:
            setattr(contact, field, normalized[field])
        contact.last_seen_at = timezone.now()
        contact.save(update_fields=[*changed, "last_seen_at"])
        if changed or COLUMN_OUTLETS[next(iter(normalized))] not in by_outlet:
            contact_identities_sync(contact=contact)
    return contact


# A contact's columns the API and the hub edit, and the identity each one is.
COLUMN_OUTLETS = {"email": ContactIdentity.Outlet.EMAIL, "phone": ContactIdentity.Outlet.PHONE, "external_id": "api"}


def contact_identities_sync(*, contact: Contact) -> None:
    """The email, phone and external id columns as identities: one per column, replaced on edit.
    Browsers and outlets' own identities are left alone."""
    for column, outlet in COLUMN_OUTLETS.items():
        value = getattr(contact, column)
        stale = contact.identities.filter(outlet=outlet)
        if value:
            stale = stale.exclude(address=value)
        stale.delete()
        if value:
            ContactIdentity.objects.get_or_create(contact=contact, outlet=outlet, address=value)


class ContactExists(Exception):
    """Another contact already has this email, phone or external id."""


MAX_TAGS = 30
TAG = re.compile(r"^[\w][\w .:-]{0,39}$")


def clean_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = str(tag).strip().lower()
        if not TAG.match(tag):
            raise ValidationError({"tags": f"“{tag[:40]}” is not a tag: use up to 40 letters, digits, spaces or .:-_"})
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": f"Up to {MAX_TAGS} tags per contact."})
    return cleaned


def contact_save(
    *,
    contact: Contact | None = None,
    external_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    display_name: str | None = None,
    tags: list[str] | None = None,
    language: str | None = None,
    language_fixed: bool | None = None,
) -> Contact:
    """Create or edit a contact the team manages by hand (API, import). Identifiers stay unique.

    A language the team sets is kept (not re-detected) unless `language_fixed` says otherwise;
    an empty language means "detect it from what they write"."""
    contact = contact or Contact()
    given = {"external_id": external_id, "email": email, "phone": phone}
    for field, value in given.items():
        if value is None:
            continue
        if value.strip():
            try:
                setattr(contact, field, normalize_contact_reference(**{field: value})[field])
            except ValidationError as exc:
                raise ValidationError({field: exc.messages}) from exc
        else:
            setattr(contact, field, None)
    if contact.external_id is None and contact.email is None and contact.phone is None and not contact.anonymous:
        raise ValidationError({"contact": "Give the contact an email, a phone or an external_id."})
    if display_name is not None:
        contact.display_name = display_name.strip()[:120]
    if tags is not None:
        contact.tags = clean_tags(tags)
    if language is not None:
        if language not in ("", "en", "es"):
            raise ValidationError({"language": "Use en, es, or an empty value to detect it."})
        contact.language = language
        contact.language_fixed = bool(language) if language_fixed is None else language_fixed
    elif language_fixed is not None:
        contact.language_fixed = language_fixed
    created = contact._state.adding
    try:
        with transaction.atomic():
            contact.save()
            contact_identities_sync(contact=contact)
            if created:
                _contact_created(contact, outlet="api")
    except IntegrityError as exc:
        raise ContactExists("Another contact already has this email, phone or external_id.") from exc
    return contact


def contact_tags_add(*, contact: Contact, tags: list[str]) -> Contact:
    contact.tags = clean_tags([*contact.tags, *tags])
    contact.save(update_fields=["tags"])
    return contact


def contact_tag_remove(*, contact: Contact, tag: str) -> Contact:
    contact.tags = [t for t in contact.tags if t != tag.strip().lower()]
    contact.save(update_fields=["tags"])
    return contact


def contact_delete(*, contact: Contact) -> None:
    """The person and everything about them: conversations, messages, deliveries, identities,
    memories, push subscriptions, consent records, raw webhook bodies, voice notes and images;
    their events stay for the counts, no longer pointing at them."""
    from conversations.models import MessageMedia, RawDelivery

    files = list(
        MessageMedia.objects.filter(message__conversation__contact=contact)
        .exclude(file="")
        .values_list("file", flat=True)
    )
    with transaction.atomic():
        contact_events_anonymise(contact_id=contact.pk)
        # Webhook bodies that hold their words (a batch may hold others' too: it goes whole).
        RawDelivery.objects.filter(contact_ids__contains=[contact.pk]).delete()
        contact.delete()
        transaction.on_commit(lambda: _files_delete(files))


def _files_delete(names: list[str]) -> None:
    """Voice notes and images go from storage once their rows are gone (after commit: a rolled-back
    erasure keeps them)."""
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("a stored media file could not be deleted")


IMPORT_COLUMNS = ("external_id", "email", "phone", "display_name", "tags")


def contacts_import(*, rows: list[dict[str, str]]) -> dict[str, Any]:
    """Add or update contacts from rows (a CSV's lines). A row matches an existing contact by any of
    its identifiers; each row stands alone, so one bad line never loses the others."""
    report: dict[str, Any] = {"created": 0, "updated": 0, "errors": []}
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        if any(isinstance(value, str) and "\x00" in value for value in row.values()):
            # The database refuses NUL in text; caught here, the line is reported and the rest kept.
            report["errors"].append({"line": number, "message": _("This line contains a NUL character.")})
            continue
        reference = {f: (row.get(f) or "").strip() for f in ("external_id", "email", "phone")}
        tags = [t for t in (row.get("tags") or "").replace(";", ",").split(",") if t.strip()]
        try:
            with transaction.atomic():  # a savepoint per line: one the database refuses loses only itself
                normalized = normalize_contact_reference(**reference)
                matches = Q()
                for field, value in normalized.items():
                    matches |= Q(**{field: value})
                existing = Contact.objects.filter(matches).order_by("created_at").first()
                contact_save(
                    contact=existing,
                    **{f: v for f, v in reference.items() if v},
                    display_name=(row.get("display_name") or None),
                    tags=[*(existing.tags if existing else []), *tags] if tags else None,
                )
            report["updated" if existing else "created"] += 1
        except DataError:
            report["errors"].append({"line": number, "message": _("The database refused this line's values.")})
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
            report["errors"].append({"line": number, "message": "; ".join(m for ms in messages.values() for m in ms)})
        except ContactExists as exc:
            report["errors"].append({"line": number, "message": str(exc)})
    return report


IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000


def contacts_import_csv(*, upload: Any) -> dict[str, Any]:
    """A CSV file (header row, UTF-8) into contacts; the whole file is refused only when unreadable."""
    if upload.size > IMPORT_MAX_BYTES:
        raise ValidationError({"file": f"Up to {IMPORT_MAX_BYTES // (1024 * 1024)} MB per import."})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": "Save the file as CSV in UTF-8."}) from exc
    reader = csv.DictReader(io.StringIO(text))
    try:
        columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
        if not columns & {"external_id", "email", "phone"}:
            raise ValidationError(
                {"file": "The first line must name the columns: external_id, email or phone (and more)."}
            )
        rows = [{(k or "").strip().lower(): v if isinstance(v, str) else "" for k, v in r.items()} for r in reader]
    except csv.Error as exc:
        raise ValidationError({"file": f"This is not a readable CSV file ({exc})."}) from exc
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationError({"file": f"Up to {IMPORT_MAX_ROWS} rows per import."})
    return contacts_import(rows=rows)


def web_contact_find(*, identity: WebIdentity) -> Contact | None:
    """The contact behind a signed web identity; None for a browser that has not written yet."""
    if identity.contact_id is not None:
        contact = Contact.objects.filter(pk=identity.contact_id).first()
        if contact is None:
            raise ConversationNotFound("This sign-in is no longer valid.")
        return contact
    known = ContactIdentity.objects.select_related("contact").filter(outlet="web", address=str(identity.visitor_id))
    found = known.first()
    return found.contact if found is not None else None


def web_contact_resolve(*, identity: WebIdentity) -> Contact:
    """The contact behind a signed web identity; a new browser becomes an anonymous contact (only
    once it sends a real message, so opening sockets creates no rows)."""
    contact = web_contact_find(identity=identity)
    if contact is not None:
        return contact
    try:
        with transaction.atomic():
            contact = Contact.objects.create(anonymous=True)
            ContactIdentity.objects.create(
                contact=contact, outlet="web", address=str(identity.visitor_id), verified=True
            )
            _contact_created(contact, outlet="web")
            return contact
    except IntegrityError:  # the same browser's other tab got there first
        known = ContactIdentity.objects.select_related("contact")
        return known.get(outlet="web", address=str(identity.visitor_id)).contact


def _contact_created(contact: Contact, *, outlet: str) -> None:
    event_record(Event.Kind.CONTACT_CREATED, contact_id=contact.pk, subject_id=contact.pk, outlet=outlet)


def web_conversation_find(*, contact: Contact, conversation_id: str | None = None) -> Conversation | None:
    """The conversation a returning browser asked for, else the person's latest web conversation."""
    conversations = contact.conversations.all()
    if conversation_id:
        return conversations.filter(pk=parsed_uuid(conversation_id)).first()
    return conversations.filter(outlet__in=["web", "app"]).order_by("-updated_at").first()
