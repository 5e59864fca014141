"""The demo creator `make run` seeds so a newcomer has something to click through."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files import File
from django_tenants.utils import tenant_context

from conversations.models import origin_of
from tenants.models import Creator, User
from tenants.services import creator_create

DEMO_SLUG = "demo"
DEMO_CONTENT = Path(__file__).resolve().parent / "demo_content"


def _account(email: str, password: str, name: str = "", **extra: bool) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, first_name=name, **extra)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def demo_password() -> str:
    """DEMO_PASSWORD, else one made for this machine at the first start and kept under var/: the
    demo's staff account must never open with a password that is printed in the source."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    path = Path(settings.VAR_DIR) / "demo_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"compa-{secrets.token_urlsafe(12)}")
    return path.read_text().strip()


def demo_seed() -> list[str]:
    """Idempotent: re-running resets the demo passwords to the printed ones."""
    password = demo_password()
    # A name, so clients see "Lucía from the team joined", not the local part of an address.
    owner = _account(f"coach@{DEMO_SLUG}.{settings.PLATFORM_DOMAIN}", password, name="Lucía")
    staff = _account(f"staff@{settings.PLATFORM_DOMAIN}", password, is_staff=True, is_superuser=True)
    creator = Creator.objects.filter(slug=DEMO_SLUG).first()
    if creator is None:
        creator = creator_create(owner=owner, name="Demo Coaching", slug=DEMO_SLUG)
    public_url = creator.public_url("/").replace(creator.hostname, settings.PLATFORM_DOMAIN)
    with tenant_context(creator):
        queued = demo_documents_upload(uploaded_by=owner.email)
        demo_widget_allow(origin_of(public_url))
        people = demo_people_seed()
        demo_history_seed()
    return [
        f"demo creator: {creator.public_url('/hub/')}  (sign in as {owner.email} / {password})",
        f"staff admin:  {public_url}admin/  (sign in as {staff.email} / {password})",
        f"sign up:      {public_url}accounts/signup/",
        f"knowledge:    {len(queued)} demo documents in the library (new ones are read by the worker)",
        f"chat widget:  {public_url}demo-site/  (another site with the snippet) · companion app: "
        f"{creator.public_url('/app/')}",
        f"demo people:  {people} clients who last wrote 1 to 6 days ago (try a rule: hub → Rules)",
    ]


# Clients of the demo coach, how many days ago each last wrote, and what they said (first seeding).
DEMO_PEOPLE = [
    ("Marta Ruiz", "es", 1, "¿Cuántas horas debería dormir?"),
    ("James Carter", "en", 2, "How much water should I drink in the morning?"),
    ("Lucía Fernández", "es", 3, "Hoy no he podido entrenar."),
    ("Priya Shah", "en", 4, "Thanks, that helped!"),
    ("Diego Torres", "es", 5, "¿Qué ceno antes de dormir?"),
    ("Emma Wilson", "en", 6, "I slept badly again."),
]


def demo_people_seed() -> int:
    """A few clients with a conversation in the companion app, silent for 1 to 6 days, so a rule
    ("no reply for 2 days") has someone to fire for on a fresh `make run`. Idempotent: seeded once."""
    from datetime import timedelta

    from conversations.models import Contact, Conversation, Message
    from tenants import clock

    now = clock.now()
    for number, (name, language, days, text) in enumerate(DEMO_PEOPLE, start=1):
        contact, created = Contact.objects.get_or_create(
            external_id=f"demo-person-{number}",
            defaults={"display_name": name, "language": language, "tags": ["demo"], "preferred_outlet": "app"},
        )
        if not created:
            continue
        conversation = Conversation.objects.create(contact=contact, outlet="app", language=language)
        Message.objects.create(
            conversation=conversation, author=Message.Author.USER, text=text, language=language,
            created_at=now - timedelta(days=days),
        )  # fmt: skip
    return len(DEMO_PEOPLE)


def demo_history_seed(days: int = 21) -> int:
    """Three weeks of generated activity in the event stream (marked `demo` in its data), so the
    Analytics page has something to show on a fresh `make run`: people writing on four outlets,
    the coach's replies and answers, check-ins, a nudge now and then. Seeded once."""
    import random
    import uuid
    from datetime import timedelta

    from analytics.models import Event
    from analytics.services import EventSpec, events_record
    from tenants import clock

    if Event.objects.filter(data__demo=True).exists():
        return 0
    rng = random.Random(2026)
    people = [uuid.uuid5(uuid.NAMESPACE_URL, f"compa-demo-person-{n}") for n in range(40)]
    outlets = ["web", "app", "telegram", "whatsapp"]
    answers = [Event.Kind.ANSWER_GROUNDED] * 7 + [Event.Kind.ANSWER_PINNED, Event.Kind.ANSWER_UNKNOWN,
                                                  Event.Kind.ANSWER_SMALL_TALK]  # fmt: skip
    now = clock.now()
    specs = []
    for day in range(days, 0, -1):
        for _ in range(rng.randint(8, 20)):
            at = now - timedelta(days=day, minutes=rng.randint(0, 12 * 60))
            person, outlet = rng.choice(people), rng.choice(outlets)
            common = {"contact_id": person, "outlet": outlet, "data": {"demo": True}, "occurred_at": at}
            specs.append(EventSpec(kind=Event.Kind.MESSAGE_IN, author="user", **common))
            specs.append(EventSpec(kind=Event.Kind.MESSAGE_OUT, author="ai", value=rng.choice([1.5, 3, 4, 8, 20]),
                                   **common))  # fmt: skip
            specs.append(EventSpec(kind=rng.choice(answers), **common))
        for kind, count in ((Event.Kind.STEP_SENT, 4), (Event.Kind.CHECK_IN_ANSWERED, 3)):
            for _ in range(count):
                at = now - timedelta(days=day, hours=rng.randint(1, 10))
                data = {"demo": True, "kind": "check_in"} if kind == Event.Kind.STEP_SENT else {"demo": True}
                specs.append(EventSpec(kind=kind, contact_id=rng.choice(people), outlet="app", data=data,
                                       occurred_at=at))  # fmt: skip
    events_record(specs)
    return len(specs)


def demo_widget_allow(origin: str) -> None:
    """The demo creator's widget may be embedded by the public host, where /demo-site/ shows it."""
    from conversations.services import widget_ensure

    widget = widget_ensure()
    if origin not in widget.allowed_origins:
        widget.allowed_origins = [*widget.allowed_origins, origin]
        widget.save(update_fields=["allowed_origins"])


def demo_widget_key() -> str | None:
    from conversations.models import Widget

    creator = Creator.objects.filter(slug=DEMO_SLUG).first()
    if creator is None:
        return None
    with tenant_context(creator):
        widget = Widget.objects.order_by("created_at").first()
        return widget.key if widget else None


def demo_documents_upload(uploaded_by: str = "") -> dict[str, str]:
    """Upload the demo material into the current creator (idempotent: same content, same document).

    Returns file name → document id; new documents are queued for ingestion on commit.
    """
    from knowledge.services import document_upload

    ids = {}
    for path in sorted(DEMO_CONTENT.glob("*.md")):
        title = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        with path.open("rb") as handle:
            document, _ = document_upload(upload=File(handle, name=path.name), title=title, uploaded_by=uploaded_by)
        ids[path.name] = str(document.id)
    return ids


def demo_documents_ingest_now() -> dict[str, str]:
    """Upload and ingest in this process (benchmarks and tests), without waiting for a worker."""
    from knowledge.services import document_ingest

    ids = demo_documents_upload()
    for document_id in ids.values():
        document_ingest(document_id=document_id)
    return ids
