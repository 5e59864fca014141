from __future__ import annotations

import ipaddress
import re
import secrets
import uuid
from urllib.parse import urlsplit

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone

from knowledge.models import creator_media_dir
from tenants.encryption import EncryptedTextField
from tenants.scope import creator_schema


class Contact(models.Model):
    """An end user of the creator's coach, known by any of their identifiers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    email = models.EmailField(null=True, blank=True, unique=True)
    phone = models.CharField(max_length=20, null=True, blank=True, unique=True)
    display_name = models.CharField(max_length=120, blank=True)
    # A web visitor who has not confirmed an email yet: known only by its browsers' identities.
    anonymous = models.BooleanField(default=False)
    # The creator's own labels ("vip", "program-a"), for lists, filters and later for programs.
    tags = models.JSONField(default=list, blank=True)
    # Set when the person asked for no more messages the coach starts (STOP / BAJA); cleared by START.
    opted_out_at = models.DateTimeField(null=True, blank=True)
    # The language the person speaks with the coach (en, es): detected per message, remembered here,
    # and set by the team when they know better (`language_fixed`).
    language = models.CharField(max_length=5, blank=True)
    language_fixed = models.BooleanField(default=False)
    # A message showed a crisis: the team looks after them (no AI answers, nothing proactive)
    # until a member clears the flag.
    crisis_at = models.DateTimeField(null=True, blank=True)
    # Where the coach writes first when it can (an outlet name: telegram, whatsapp, app, email); the
    # router falls back along the person's other identities when this one cannot carry a message.
    preferred_outlet = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["-created_at"], name="contact_newest_first")]
        constraints = [
            models.CheckConstraint(
                condition=Q(external_id__isnull=False)
                | Q(email__isnull=False)
                | Q(phone__isnull=False)
                | Q(anonymous=True),
                name="contact_has_an_identifier_or_is_a_visitor",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or self.phone or self.external_id or str(self.id)


class ContactIdentity(models.Model):
    """One way a person is recognised on one outlet: a browser's visitor token (`web`), an email
    address, a phone number, an API caller's own id, later a WhatsApp number or a Telegram chat.

    A person has as many as they use. Two identities join one contact only when the person proved
    both ends (a sign-in link opened in the browser, a confirmation while signed in), never because
    someone typed an address.
    """

    class Outlet(models.TextChoices):
        WEB = "web", "Browser"
        EMAIL = "email", "Email address"
        PHONE = "phone", "Phone number"
        API = "api", "API external id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    # Free text, not choices: outlets added later (whatsapp, telegram) bring their own kinds.
    outlet = models.CharField(max_length=20)
    address = models.CharField(max_length=200)
    verified = models.BooleanField(default=False)
    # The creator's bot or number this person wrote to (messaging outlets): replies leave from it.
    messaging_outlet = models.ForeignKey(
        "MessagingOutlet", null=True, blank=True, on_delete=models.SET_NULL, related_name="identities"
    )
    # The person's last message here (WhatsApp's 24-hour window counts from it).
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    # The platform said the reply window is closed (WhatsApp 131047) though our clock thought it open;
    # it opens again with the person's next message.
    window_closed_at = models.DateTimeField(null=True, blank=True)
    # STOP on this outlet: nothing the coach starts goes out here until they opt back in.
    opted_out_at = models.DateTimeField(null=True, blank=True)
    # The platform refuses to deliver (bot blocked, account deleted): no sends until they come back.
    unreachable_at = models.DateTimeField(null=True, blank=True)
    unreachable_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outlet", "address"], name="identity_once_per_outlet")]
        indexes = [models.Index(fields=["contact"], name="identity_by_contact")]

    def __str__(self) -> str:
        return f"{self.outlet}:{self.address}"


class ContactMemory(models.Model):
    """A fact the coach keeps about one person; the creator can correct it, the person can forget it."""

    class Kind(models.TextChoices):
        NAME = "name", "Name"
        GOAL = "goal", "Goal"
        CONSTRAINT = "constraint", "Constraint"
        PREFERENCE = "preference", "Preference"

    class Source(models.TextChoices):
        LEARNED = "learned", "Learned in conversation"
        CREATOR = "creator", "Written by the team"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memories")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.CharField(max_length=300)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LEARNED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "created_at"]
        constraints = [models.UniqueConstraint(fields=["contact", "kind", "text"], name="memory_once_per_contact")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


def new_widget_key() -> str:
    return f"wk_{secrets.token_urlsafe(18)}"


def origin_of(url: str) -> str:
    """scheme://host[:port], lower-cased; empty for anything that is not an http(s) origin."""
    try:
        parts = urlsplit(url.strip())
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port out of range, a broken [IPv6] host
        return ""
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<host>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?/?")
HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
DEFAULT_PORTS = {"http": "80", "https": "443"}


def bare_origin(value: str) -> str:
    """scheme://host[:port], lower-cased, for a value that is an origin and nothing more (a trailing
    slash is forgiven); empty otherwise. Allowed origins end up in a Content-Security-Policy header,
    where a space, ";" or "," would add sources or directives, so the grammar is strict."""
    match = ORIGIN.fullmatch(value.strip().lower())
    if match is None:
        return ""
    scheme, host, port = match["scheme"], match["host"], match["port"]
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return ""
    elif not all(HOST_LABEL.fullmatch(label) for label in host.split(".")):
        return ""
    if port is not None and not 0 < int(port) <= 65535:
        return ""
    if port is None or port.lstrip("0") == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{int(port)}"


class Widget(models.Model):
    """A chat bubble a creator pastes into their own site; its key is public, its origins are not open."""

    class Position(models.TextChoices):
        RIGHT = "right", "Bottom right"
        LEFT = "left", "Bottom left"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=40, unique=True, default=new_widget_key, editable=False)
    name = models.CharField(max_length=80, default="Website chat")
    allowed_origins = models.JSONField(default=list, blank=True)
    color = models.CharField(max_length=7, default="#0f766e")
    text_color = models.CharField(max_length=7, default="#ffffff")
    avatar = models.CharField(max_length=8, default="🙂", blank=True)
    greeting = models.CharField(max_length=300, default="Hi! I'm your coach. What would you like to work on today?")
    position = models.CharField(max_length=5, choices=Position.choices, default=Position.RIGHT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name

    def allows_origin(self, origin: str) -> bool:
        return bool(origin) and origin_of(origin) in self.allowed_origins


class Conversation(models.Model):
    class Handler(models.TextChoices):
        AI = "ai", "AI coach"
        HUMAN = "human", "Team member"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    outlet = models.CharField(max_length=20, default="api")
    # The bot or number the thread runs through, for outlets a creator connects (several of a kind).
    messaging_outlet = models.ForeignKey(
        "MessagingOutlet", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    widget = models.ForeignKey(Widget, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(blank=True, default="")
    language = models.CharField(max_length=5, default="en")
    handler = models.CharField(max_length=5, choices=Handler.choices, default=Handler.AI)
    # The team member who took over (a user of the public schema; no cross-schema foreign key).
    handler_user_id = models.BigIntegerField(null=True, blank=True)
    handler_name = models.CharField(max_length=120, blank=True)
    # Set when a message showed a crisis: the AI stays paused until a team member clears it.
    flagged_at = models.DateTimeField(null=True, blank=True)
    flag_reason = models.CharField(max_length=20, blank=True)  # self_harm, violence, medical
    last_read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["-updated_at"], name="conversation_latest_first")]

    def __str__(self) -> str:
        return f"{self.contact} · {self.outlet}"


class Message(models.Model):
    """Every message records who wrote it."""

    class Author(models.TextChoices):
        USER = "user", "End user"
        AI = "ai", "AI coach"
        HUMAN = "human", "Team member"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=10, choices=Author.choices)
    text = models.TextField()
    citations = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=5, blank=True)
    grounded = models.BooleanField(default=False)
    backend = models.CharField(max_length=20, blank=True)
    incomplete = models.BooleanField(default=False)
    # The sender's own id for the message: a resend after a reconnect is recognised, never stored twice.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL: not given (unique otherwise)
    author_name = models.CharField(max_length=120, blank=True)
    rating = models.SmallIntegerField(null=True, blank=True, choices=[(1, "Good"), (-1, "Bad")])
    correction = models.TextField(blank=True)
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    # Set on a user's message when a process starts answering it: a conditional update claims the work.
    reply_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_client_id_once_per_conversation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class PushSubscription(models.Model):
    """A browser that agreed to receive the coach's messages as web push notifications."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"push to {self.contact}"


class Delivery(models.Model):
    """One message on its way to a person through one outlet, and what became of it.

    Outlets that deliver in band (the socket, the API response) record `sent` as they store the
    message; outlets with receipts (WhatsApp, Telegram) move it on to delivered, read or failed.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"
        # Retries ran out (429s, 5xx, timeouts): shown to the team in the inbox and on the outlet page.
        DEAD_LETTER = "dead_letter", "Not delivered after retries"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    outlet = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=300, blank=True)
    # The sender's key (a nudge's id and day, a retried API call): the same key twice is one message.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # The outlet's own id for the sent message (a WhatsApp wamid, a Telegram message id), for receipts.
    outlet_message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Parts of a long text already handed to the platform: a retry sends only the rest.
    parts_sent = models.PositiveSmallIntegerField(default=0)
    # The caller's approved template for when a free-form message cannot go (WhatsApp's window):
    # {"name", "language", "variables": [...]}.
    template = models.JSONField(null=True, blank=True)
    # Whether the coach started this (a check-in, a nudge): only those are re-routed when refused.
    proactive = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["status", "-created_at"], name="delivery_by_status"),
            models.Index(fields=["outlet_message_id"], name="delivery_by_outlet_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.outlet} {self.status}"


class Persona(models.Model):
    """How the creator's AI coach speaks: one per creator schema (created by migration, cloned with the
    template). It lives here because the turn core writes every reply in this voice."""

    coach_name = models.CharField(max_length=80, default="Coach")
    voice = models.TextField(
        max_length=2000,
        default="Warm, encouraging and concrete. Short sentences. Ask one question at a time.",
        help_text="Describe the tone and style your coach writes in.",
    )
    rules = models.TextField(
        max_length=4000,
        blank=True,
        default="",
        help_text="Things the coach must always or never do, one per line.",
    )
    greeting = models.CharField(max_length=300, default="Hi! I'm your coach. What would you like to work on today?")
    # The creator's own words for conversational turns, per language: {"es": {"thanks": "..."}}.
    # Keys: conversations.phrases.PHRASE_KEYS; a missing one uses the default.
    phrases = models.JSONField(default=dict, blank=True)
    # What the coach says when a message shows a crisis (self-harm, violence, a medical emergency);
    # empty: the default, which names local emergency numbers. The AI then pauses for that person.
    safety_message = models.TextField(max_length=1000, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_email = models.EmailField(blank=True, default="")

    class Meta:
        # The table keeps the name it had in `coaching`: moving the model renamed nothing in any
        # schema, so every creator's persona (and the template's) stayed where it was.
        db_table = "coaching_persona"

    def __str__(self) -> str:
        return self.coach_name


class MessagingOutlet(models.Model):
    """A bot or a number the creator connected (Telegram, WhatsApp): its secrets, its webhook, its health.

    Each has its own webhook URL naming it, so the right secret is known before a body is read. The
    secrets are encrypted with FIELD_ENCRYPTION_KEY(S) and never shown again (a hint at most)."""

    class Kind(models.TextChoices):
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp"

    class Status(models.TextChoices):
        ACTIVE = "active", "Connected"
        FAILING = "failing", "Failing"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Telegram: the bot token. WhatsApp: the (system user) access token.
    credential = EncryptedTextField()
    credential_hint = models.CharField(max_length=8, blank=True)
    # WhatsApp: signs every webhook POST (X-Hub-Signature-256).
    app_secret = EncryptedTextField(blank=True, default="")
    # WhatsApp: what Meta's dashboard sends in the subscription handshake.
    verify_token = EncryptedTextField(blank=True, default="")
    # Telegram: the secret_token given to setWebhook, sent back on every update.
    webhook_secret = EncryptedTextField(blank=True, default="")
    # Telegram: the bot's id. WhatsApp: the phone_number_id payloads are routed by.
    external_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_email = models.EmailField(blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "external_id"], name="messaging_outlet_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class WhatsAppTemplate(models.Model):
    """A message template the creator had approved by Meta, usable outside the 24-hour window."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    outlet = models.ForeignKey(MessagingOutlet, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=15, default="es")
    # Names of the body's {{1}}, {{2}}... in order, e.g. ["first_name", "step"].
    variables = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "language"]
        constraints = [models.UniqueConstraint(fields=["outlet", "name", "language"], name="template_once")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class RawDelivery(models.Model):
    """A webhook body exactly as it arrived, kept RAW_DELIVERY_RETENTION_DAYS for debugging and
    replays, then deleted. `contact_ids` names the people in it, so erasing a person finds it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    outlet = models.ForeignKey(MessagingOutlet, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10)
    # The platform's id for the delivery (Telegram's update_id; a digest of a WhatsApp body): twice is once.
    key = models.CharField(max_length=100)
    body = models.BinaryField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    contact_ids = ArrayField(models.UUIDField(), default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outlet", "key"], name="raw_delivery_once")]
        indexes = [
            models.Index(fields=["received_at"], name="raw_delivery_by_age"),
            GinIndex(fields=["contact_ids"], name="raw_delivery_by_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


def media_upload_path(media: MessageMedia, filename: str) -> str:
    """Under the creator's folder and a UUID: nothing the sender chose becomes part of a path."""
    return f"{creator_media_dir(creator_schema())}/messages/{media.id}"


class MessageMedia(models.Model):
    """A voice note or image a person sent; deleted with the message (and so with the contact)."""

    class Kind(models.TextChoices):
        AUDIO = "audio", "Voice note"
        IMAGE = "image", "Image"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=media_upload_path, max_length=300, blank=True)
    transcript = models.TextField(blank=True)
    # Why the file or transcript is missing (too big, download failed, no transcription server).
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} of {self.message_id}"


class ConsentRecord(models.Model):
    """When and how a person agreed to hear from the coach on one outlet, or asked it to stop."""

    class Action(models.TextChoices):
        OPTED_IN = "opted_in", "Opted in"
        OPTED_OUT = "opted_out", "Opted out"

    class Method(models.TextChoices):
        WROTE_FIRST = "wrote_first", "Wrote to the coach first"
        START_COMMAND = "start_command", "Pressed Start (/start)"
        OPT_IN_WORD = "opt_in_word", "Wrote START / ALTA"
        OPT_OUT_WORD = "opt_out_word", "Wrote STOP / BAJA"
        BLOCKED = "blocked", "Blocked the bot"
        UNBLOCKED = "unblocked", "Unblocked the bot"
        FORM = "form", "Signed up on a form"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    outlet = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=Action.choices)
    method = models.CharField(max_length=15, choices=Method.choices)
    # The person's own words, or the form's text as they saw it.
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["contact", "outlet", "-created_at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.action} on {self.outlet}"


class TeamNotification(models.Model):
    """Something a team member should see: a person in crisis, someone asking for a human, later
    approvals and failed deliveries. One row per member (each reads their own), shown in the hub's
    bell, and sent by email or web push to members who turned those on."""

    class Kind(models.TextChoices):
        CRISIS = "crisis", "A person may be in crisis"
        HUMAN_REQUESTED = "human_requested", "A person asked for a human"
        DELIVERY_FAILED = "delivery_failed", "A message could not be delivered"
        APPROVAL = "approval", "A message waits for approval"
        RULE = "rule", "A rule asks the team to look at someone"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A user of the public schema (no cross-schema foreign key), like Conversation.handler_user_id.
    user_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Deleted with the person (erasure): notifications name them.
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user_id", "read_at", "-created_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class MemberPushSubscription(models.Model):
    """A team member's browser that agreed to receive the hub's notifications as web push. Like
    TeamNotification, the member is a user of the public schema (no cross-schema foreign key)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.BigIntegerField(db_index=True)
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"push to member {self.user_id}"
