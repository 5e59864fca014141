"""Writes to the event stream. Every function runs inside one creator's schema.

Call these in the same transaction as the action they record: a rolled-back action leaves no
event, and a committed one always has its event. They are plain inserts, with no transaction,
lock or query of their own, so they are cheap enough for the reply path.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from analytics.models import Event

# Long enough for an id, a model name or a short code; too short for a sentence.
DATA_STRING_MAX = 64
KINDS = frozenset(Event.Kind.values)
AUTHORS = frozenset(Event.Author.values)
OUTLET_MAX = Event._meta.get_field("outlet").max_length


@dataclass(frozen=True, kw_only=True)
class EventSpec:
    """One event for `events_record`; the fields mean what `event_record`'s arguments mean."""

    kind: str
    contact_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    outlet: str = ""
    author: str = ""
    value: float | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


def event_record(
    kind: str,
    *,
    contact_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    outlet: str = "",
    author: str = "",
    value: float | None = None,
    data: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Append one event with one INSERT, in the caller's transaction.

    Record it in the same transaction as the action it records; a rolled-back action leaves no
    event. `occurred_at` defaults to now and is injectable so tests can move the clock. Raises
    ValueError when `data` carries text (see `data_check`) or the kind or author is unknown.
    """
    event = _event_build(
        EventSpec(
            kind=kind,
            contact_id=contact_id,
            conversation_id=conversation_id,
            subject_id=subject_id,
            outlet=outlet,
            author=author,
            value=value,
            data=data or {},
            occurred_at=occurred_at,
        ),
        now=None,
    )
    _insert([event])
    return event


def events_record(specs: Iterable[EventSpec]) -> list[Event]:
    """Append several events in one round trip (the reply path writes message_out and answer_*).

    Same contract as `event_record`: the caller's transaction, nothing written if any spec is
    refused. Events without their own `occurred_at` share one timestamp, as they record one moment.
    """
    now = timezone.now()
    events = [_event_build(spec, now=now) for spec in specs]
    return _insert(events) if events else []


def contact_events_anonymise(*, contact_id: uuid.UUID) -> int:
    """Detach an erased contact from their events and return how many were detached.

    The kinds, times and numbers stay, so last month's counts do not change when someone leaves;
    only the link back to the person goes. Call it in the erasure's own transaction.
    """
    from analytics.models import DayPerson

    # The day's "active" row stays counted, under a stranger's id.
    DayPerson.objects.filter(contact_id=contact_id).update(contact_id=uuid.uuid4())
    return Event.objects.filter(contact_id=contact_id).update(contact_id=None)


def contact_events_reassign(*, from_contact_id: uuid.UUID, to_contact_id: uuid.UUID) -> int:
    """Two contacts turned out to be one person (a browser confirmed as theirs): the history follows."""
    from analytics.models import DayPerson

    for day, outlet in DayPerson.objects.filter(contact_id=to_contact_id).values_list("day", "outlet"):
        DayPerson.objects.filter(contact_id=from_contact_id, day=day, outlet=outlet).delete()
    DayPerson.objects.filter(contact_id=from_contact_id).update(contact_id=to_contact_id)
    return Event.objects.filter(contact_id=from_contact_id).update(contact_id=to_contact_id)


def data_check(data: Any, *, path: str = "data") -> None:
    """Refuse anything in `data` that could be what a person wrote.

    Events are kept after messages and contacts are erased, so they must never hold message text:
    strings are allowed only as short identifiers (at most 64 characters, no whitespace). Numbers,
    booleans and None pass; dicts (with identifier keys) and lists are checked all the way down.
    """
    if data is None or isinstance(data, bool | int):
        return
    if isinstance(data, float):
        # Postgres' jsonb has no NaN or infinity; refuse here rather than fail at the INSERT.
        if not math.isfinite(data):
            raise ValueError(f"{path} is not a finite number")
        return
    if isinstance(data, str):
        if len(data) > DATA_STRING_MAX or any(character.isspace() for character in data):
            raise ValueError(f"{path} looks like text; events carry ids, kinds and numbers, never text")
        return
    if isinstance(data, Mapping):
        for key, item in data.items():
            if not isinstance(key, str):
                raise ValueError(f"{path} has a key that is not a string: {key!r}")
            data_check(key, path=f"{path} key")
            data_check(item, path=f"{path}.{key}")
        return
    if isinstance(data, list | tuple):
        for index, item in enumerate(data):
            data_check(item, path=f"{path}[{index}]")
        return
    raise ValueError(f"{path} is a {type(data).__name__}; use numbers, booleans, None or short ids")


def _event_build(spec: EventSpec, *, now: datetime | None) -> Event:
    """An unsaved, validated event. full_clean runs no query here: the model has no unique field
    but its auto id, which is still empty."""
    if not isinstance(spec.data, Mapping):
        raise ValueError("data must be a mapping of short ids to ids, numbers or booleans")
    data_check(spec.data)
    event = Event(
        kind=spec.kind,
        occurred_at=spec.occurred_at or now or timezone.now(),
        contact_id=spec.contact_id,
        conversation_id=spec.conversation_id,
        subject_id=spec.subject_id,
        outlet=spec.outlet,
        author=spec.author,
        value=spec.value,
        data=dict(spec.data),
    )
    # The model's own checks, without full_clean's per-field machinery (this runs on every reply).
    # One exception type for callers: a bad event is a programming error, not user input.
    if event.kind not in KINDS:
        raise ValueError(f"invalid event: unknown kind {event.kind!r}")
    if event.author and event.author not in AUTHORS:
        raise ValueError(f"invalid event: unknown author {event.author!r}")
    if len(event.outlet) > OUTLET_MAX:
        raise ValueError(f"invalid event: outlet {event.outlet[:40]!r} is longer than {OUTLET_MAX}")
    return event


INSERT_COLUMNS = (
    "kind",
    "occurred_at",
    "contact_id",
    "conversation_id",
    "subject_id",
    "outlet",
    "author",
    "value",
    "data",
)


def _insert(events: list[Event]) -> list[Event]:
    """One INSERT … RETURNING id for the rows, without the ORM's per-row machinery: this runs twice
    on every chat message (docs/benchmarks.md, "Chat after the conversation core")."""
    table = connection.ops.quote_name(Event._meta.db_table)
    row = "(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"
    # Only our own table and column names and placeholders are formatted in; every value is a parameter.
    values = ", ".join([row] * len(events))
    sql = f"INSERT INTO {table} ({', '.join(INSERT_COLUMNS)}) VALUES {values} RETURNING id"  # noqa: S608
    params: list[Any] = []
    for event in events:
        params += [getattr(event, column) for column in INSERT_COLUMNS[:-1]]
        params.append(json.dumps(event.data))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [found for (found,) in cursor.fetchall()]
    for event, pk in zip(events, ids, strict=True):
        event.pk = pk
        event._state.adding = False
    return events
