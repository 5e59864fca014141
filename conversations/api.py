"""API v1 for conversations: chat with the coach (whole or streamed), the inbox, contacts, widgets,
messaging outlets (Telegram bots, WhatsApp numbers)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import services
from conversations.forms import WidgetForm, origins_clean
from conversations.models import (
    Contact,
    ContactMemory,
    Conversation,
    Message,
    MessagingOutlet,
    WhatsAppTemplate,
    Widget,
)
from conversations.selectors import (
    contact_by_id,
    contact_memory,
    contacts_list,
    conversation_for_api,
    conversation_message,
    conversations_for_api,
    messaging_outlet_get,
    messaging_outlets_list,
    whatsapp_template_get,
    widget_get,
    widgets_list,
)
from conversations.services.contacts import ConversationNotFound
from conversations.services.outlets import (
    messaging_outlet_connect,
    messaging_outlet_delete,
    messaging_outlet_update,
    webhook_url,
    whatsapp_template_add,
    whatsapp_template_remove,
)
from conversations.services.safety import conversation_flag_clear
from conversations.services.turns import Turn, turn_intake, turn_run
from conversations.streaming import ReplyFailed, ReplyFinished, reply_pieces, reply_pieces_sync
from tenants.api_errors import Conflict
from tenants.api_filters import UtcDateTimeFilter
from tenants.api_parsers import JSONParser
from tenants.permissions import ContentPermissions, requires
from tenants.roles import Capability
from tenants.scope import creator_schema

# --- Chat ---------------------------------------------------------------------------------------


class ContactIn(serializers.Serializer):
    external_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)


class ChatIn(serializers.Serializer):
    message = serializers.CharField(max_length=20_000, allow_blank=True, trim_whitespace=False)
    contact = ContactIn()
    conversation = serializers.UUIDField(required=False, allow_null=True)


class CitationOut(serializers.Serializer):
    document = serializers.UUIDField(allow_null=True, help_text="Null for an answer the creator approved.")
    title = serializers.CharField()
    page = serializers.IntegerField(allow_null=True)
    snippet = serializers.CharField()


class ReplyOut(serializers.Serializer):
    id = serializers.UUIDField()
    text = serializers.CharField()
    citations = CitationOut(many=True)
    language = serializers.CharField()
    grounded = serializers.BooleanField()
    incomplete = serializers.BooleanField(help_text="The answer was cut off (the model stopped mid-way).")


class ChatOut(serializers.Serializer):
    conversation = serializers.UUIDField()
    handler = serializers.ChoiceField(choices=["ai", "human"], help_text="Who answers this conversation now.")
    reply = ReplyOut(allow_null=True, help_text="Null while a team member has taken the conversation over.")


CHAT_EXAMPLE = OpenApiExample(
    "Ask the coach",
    value={"message": "How many rest days a week?", "contact": {"email": "sam@example.com"}},
    request_only=True,
)


class ChatApi(APIView):
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=ChatIn, responses=ChatOut, examples=[CHAT_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = ChatIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            turn = turn_run(chat_turn_from(data.validated_data))
        except ConversationNotFound as exc:
            raise Http404("No such conversation for this contact.") from exc
        conversation = turn.message.conversation
        handler = Conversation.objects.values_list("handler", flat=True).get(pk=conversation.pk)
        return Response(ChatOut({"conversation": conversation.id, "handler": handler, "reply": turn.reply}).data)


def chat_turn_from(data: dict[str, Any]) -> Turn:
    conversation_id = data.get("conversation")
    return Turn(
        outlet="api",
        text=data["message"],
        reference=data["contact"],
        conversation_id=str(conversation_id) if conversation_id else None,
        conversation_strict=True,
    )


def sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def reply_event(item: str | ReplyFinished | ReplyFailed) -> bytes:
    if isinstance(item, ReplyFinished):
        return sse("done", {"reply": item.reply})
    if isinstance(item, ReplyFailed):
        return sse("error", {"code": "reply_failed", "message": "The coach could not answer just now. Try again."})
    return sse("token", {"text": item})


def present_reply(reply: Message) -> dict[str, Any]:
    return dict(ReplyOut(reply).data)


def reply_head(turn: Turn) -> list[bytes]:
    """`conversation`, and `done` at once when nobody (or a person) answers instead."""
    head = [sse("conversation", {"id": str(turn.message.conversation_id), "handler": turn.handler})]
    return [*head, sse("done", {"reply": None})] if turn.stop else head


async def reply_events(schema: str, turn: Turn) -> AsyncIterator[bytes]:
    """The reply as server-sent events under ASGI: `conversation`, then `token`s as the model
    writes, then `done` with the stored reply (its citations), or null when a person answers."""
    for event in reply_head(turn):
        yield event
    if not turn.stop:
        async for item in reply_pieces(schema, turn, present=present_reply):
            yield reply_event(item)


def reply_events_sync(schema: str, turn: Turn) -> Iterator[bytes]:
    """The same events where Django runs synchronously (WSGI: a test client, gunicorn)."""
    yield from reply_head(turn)
    if not turn.stop:
        yield from map(reply_event, reply_pieces_sync(schema, turn, present=present_reply))


class ChatStreamApi(APIView):
    """The same exchange as POST /chat, answered as `text/event-stream` while the coach writes."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(
        request=ChatIn,
        examples=[CHAT_EXAMPLE],
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                inline_serializer(
                    "ChatStreamEvent",
                    {
                        "event": serializers.ChoiceField(choices=["conversation", "token", "done", "error"]),
                        "data": serializers.CharField(help_text="The event's JSON payload."),
                    },
                ),
                description="Events: `conversation` {id, handler}; `token` {text} (repeated); "
                "`done` {reply: the stored reply, shaped as /chat's `reply`, or null}; `error` {code, message}.",
            )
        },
    )
    def post(self, request: Request) -> StreamingHttpResponse:
        data = ChatIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            turn = turn_intake(chat_turn_from(data.validated_data))
        except ConversationNotFound as exc:
            raise Http404("No such conversation for this contact.") from exc
        events = reply_events if hasattr(request._request, "scope") else reply_events_sync  # ASGI or WSGI
        response = StreamingHttpResponse(events(creator_schema(), turn), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response


# --- Conversations and messages ----------------------------------------------------------------


class ContactBriefOut(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "display_name", "email", "phone", "external_id"]


class LastMessageOut(serializers.Serializer):
    text = serializers.CharField(source="last_text", allow_null=True)
    author = serializers.CharField(source="last_author", allow_null=True)


class ConversationOut(serializers.ModelSerializer):
    contact = ContactBriefOut()
    message_count = serializers.IntegerField()
    unread = serializers.IntegerField(help_text="Messages from the person the team has not read yet.")
    last_message = LastMessageOut(source="*")

    class Meta:
        model = Conversation
        fields = [
            "id", "contact", "outlet", "handler", "handler_name", "language", "message_count", "unread",
            "last_message", "flagged_at", "flag_reason", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "flagged_at": {"help_text": "When a message showed a possible crisis; null when not flagged."},
            "flag_reason": {"help_text": "self_harm, violence or medical; empty when not flagged."},
        }


class ConversationFilter(django_filters.FilterSet):
    contact = django_filters.UUIDFilter(field_name="contact_id")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    unread = django_filters.BooleanFilter(method="with_unread", help_text="Only those with unread messages.")
    flagged = django_filters.BooleanFilter(
        field_name="flagged_at", lookup_expr="isnull", exclude=True, help_text="Only those flagged as possible crises."
    )

    class Meta:
        model = Conversation
        fields = ["handler", "outlet"]

    def with_unread(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(unread__gt=0) if value else queryset.filter(unread=0)


class ConversationsApi(generics.ListAPIView):
    queryset = Conversation.objects.none()
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    serializer_class = ConversationOut
    filterset_class = ConversationFilter
    ordering_fields = ["updated_at", "created_at"]
    ordering = ["-updated_at"]

    def get_queryset(self) -> QuerySet:
        return conversations_for_api()


def conversation_or_404(conversation_id: Any) -> Conversation:
    conversation = conversation_for_api(conversation_id)
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


class ConversationApi(APIView):
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(responses=ConversationOut)
    def get(self, request: Request, conversation_id: uuid.UUID) -> Response:
        return Response(ConversationOut(conversation_or_404(conversation_id)).data)


class ConversationTakeOverApi(APIView):
    """You answer from now on: the AI pauses and the person sees that someone from the team joined."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=None, responses=ConversationOut)
    def post(self, request: Request, conversation_id: uuid.UUID) -> Response:
        services.conversation_take_over(conversation=conversation_or_404(conversation_id), member=request.user)
        return Response(ConversationOut(conversation_or_404(conversation_id)).data)


class ConversationReadApi(APIView):
    """Mark everything in the conversation as read by the team (as opening it in the inbox does)."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=None, responses=ConversationOut)
    def post(self, request: Request, conversation_id: uuid.UUID) -> Response:
        services.conversation_mark_read(conversation=conversation_or_404(conversation_id))
        return Response(ConversationOut(conversation_or_404(conversation_id)).data)


class ConversationHandBackApi(APIView):
    """The AI coach answers again."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=None, responses=ConversationOut)
    def post(self, request: Request, conversation_id: uuid.UUID) -> Response:
        services.conversation_hand_back(conversation=conversation_or_404(conversation_id))
        return Response(ConversationOut(conversation_or_404(conversation_id)).data)


class ConversationClearFlagApi(APIView):
    """You looked after the person: the crisis flag goes. The conversation stays with the team until
    someone hands it back to the AI."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=None, responses=ConversationOut)
    def post(self, request: Request, conversation_id: uuid.UUID) -> Response:
        conversation_flag_clear(conversation=conversation_or_404(conversation_id))
        return Response(ConversationOut(conversation_or_404(conversation_id)).data)


class MessageOut(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = [
            "id", "author", "author_name", "text", "citations", "language", "grounded", "incomplete", "rating",
            "correction", "in_reply_to", "created_at",
        ]  # fmt: skip


class MessageIn(serializers.Serializer):
    text = serializers.CharField(max_length=20_000)


class MessageFilter(django_filters.FilterSet):
    after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gt")

    class Meta:
        model = Message
        fields = ["author"]


class MessagesApi(generics.ListAPIView):
    """What was said, oldest first. Writing here sends your message to the person (and takes over)."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    queryset = Message.objects.none()
    serializer_class = MessageOut
    filterset_class = MessageFilter
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return conversation_or_404(self.kwargs["conversation_id"]).messages.all()

    @extend_schema(
        request=MessageIn,
        responses={201: MessageOut},
        examples=[OpenApiExample("Answer as the team", value={"text": "Hi Sam, Ana here."}, request_only=True)],
    )
    def post(self, request: Request, conversation_id: uuid.UUID) -> Response:
        data = MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.member_message_send(
            conversation=conversation_or_404(conversation_id), member=request.user, text=data.validated_data["text"]
        )
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)


class RatingIn(serializers.Serializer):
    rating = serializers.ChoiceField(choices=[1, -1], required=False)
    correction = serializers.CharField(max_length=5000, required=False)


class MessageFeedbackApi(APIView):
    """Rate an AI reply, or correct it: a correction becomes a note in the knowledge base."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=RatingIn, responses=MessageOut)
    def post(self, request: Request, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Response:
        data = RatingIn(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data:
            raise serializers.ValidationError({"rating": ["Give a rating or a correction."]})
        message = conversation_message(conversation_or_404(conversation_id), message_id)
        if message is None:
            raise Http404("No such message.")
        if message.author != Message.Author.AI:
            raise serializers.ValidationError({"message": ["Only the coach's replies can be rated or corrected."]})
        if "rating" in data.validated_data:
            message = services.message_rate(message=message, rating=data.validated_data["rating"])
        if "correction" in data.validated_data:
            message = services.message_correct(
                message=message, text=data.validated_data["correction"], member=request.user
            )
        return Response(MessageOut(message).data)


# --- Contacts ------------------------------------------------------------------------------------


class ContactEditIn(serializers.Serializer):
    """What the team may set on a contact; an empty or null identifier clears it."""

    external_id = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, allow_null=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, allow_null=True)
    display_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), max_length=30, required=False)
    language = serializers.ChoiceField(
        choices=["en", "es", ""], required=False, help_text="The language the coach speaks with them; empty: detect it."
    )
    language_fixed = serializers.BooleanField(
        required=False,
        help_text="Keep `language` whatever they write in. Setting `language` sets this too (false for empty) "
        "unless you give it.",
    )


class ContactOut(serializers.ModelSerializer):
    external_id = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Contact
        fields = [
            "id", "external_id", "email", "phone", "display_name", "tags", "anonymous", "language", "language_fixed",
            "created_at", "last_seen_at",
        ]  # fmt: skip
        read_only_fields = fields


class ContactFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="with_tag", max_length=40)
    q = django_filters.CharFilter(method="matching", max_length=100, help_text="Part of a name, email or phone.")
    seen_after = UtcDateTimeFilter(field_name="last_seen_at", lookup_expr="gt")

    class Meta:
        model = Contact
        fields = ["email", "phone", "external_id", "anonymous"]

    def with_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(tags__contains=[value.strip().lower()])

    def matching(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(display_name__icontains=value) | Q(email__icontains=value) | Q(phone__icontains=value))


def contact_saved(**fields: Any) -> Contact:
    values = {k: ("" if v is None and k in ("external_id", "email", "phone") else v) for k, v in fields.items()}
    try:
        return services.contact_save(**values)
    except services.ContactExists as exc:
        raise Conflict(str(exc), code="contact_exists") from exc


class ContactsApi(generics.ListAPIView):
    queryset = Contact.objects.none()
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    serializer_class = ContactOut
    filterset_class = ContactFilter
    ordering_fields = ["created_at", "last_seen_at"]

    def get_queryset(self) -> QuerySet:
        return contacts_list()

    @extend_schema(
        request=ContactEditIn,
        responses={201: ContactOut},
        examples=[
            OpenApiExample(
                "A client from your booking system",
                value={"email": "lee@example.com", "display_name": "Lee", "external_id": "crm-4411", "tags": ["vip"]},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = ContactEditIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ContactOut(contact_saved(**data.validated_data)).data, status=status.HTTP_201_CREATED)


def contact_or_404(contact_id: Any) -> Contact:
    contact = contact_by_id(contact_id)
    if contact is None:
        raise Http404("No such contact.")
    return contact


class ContactApi(APIView):
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(responses=ContactOut)
    def get(self, request: Request, contact_id: uuid.UUID) -> Response:
        return Response(ContactOut(contact_or_404(contact_id)).data)

    @extend_schema(request=ContactEditIn, responses=ContactOut)
    def patch(self, request: Request, contact_id: uuid.UUID) -> Response:
        contact = contact_or_404(contact_id)
        data = ContactEditIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(ContactOut(contact_saved(contact=contact, **data.validated_data)).data)

    @extend_schema(responses={204: None}, description="Delete the person with their conversations and memory.")
    def delete(self, request: Request, contact_id: uuid.UUID) -> Response:
        services.contact_delete(contact=contact_or_404(contact_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemoryIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactMemory.Kind.choices)
    text = serializers.CharField(max_length=300)


class MemoryOut(serializers.ModelSerializer):
    class Meta:
        model = ContactMemory
        fields = ["id", "kind", "text", "source", "created_at", "updated_at"]
        read_only_fields = fields


class ContactMemoriesApi(APIView):
    """What the coach remembers about the person; it informs every answer on every outlet."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(responses=MemoryOut(many=True))
    def get(self, request: Request, contact_id: uuid.UUID) -> Response:
        return Response(MemoryOut(contact_or_404(contact_id).memories.all(), many=True).data)

    @extend_schema(
        request=MemoryIn,
        responses={201: MemoryOut},
        examples=[OpenApiExample("A goal", value={"kind": "goal", "text": "Run a 10k in May"}, request_only=True)],
    )
    def post(self, request: Request, contact_id: uuid.UUID) -> Response:
        data = MemoryIn(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.memory_save(contact=contact_or_404(contact_id), **data.validated_data)
        return Response(MemoryOut(item).data, status=status.HTTP_201_CREATED)


class ContactMemoryApi(APIView):
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    def _memory(self, contact_id: uuid.UUID, memory_id: uuid.UUID) -> tuple[Contact, ContactMemory]:
        contact = contact_or_404(contact_id)
        item = contact_memory(contact, memory_id)
        if item is None:
            raise Http404("No such memory.")
        return contact, item

    @extend_schema(request=MemoryIn, responses=MemoryOut, description="Correct what the coach keeps.")
    def patch(self, request: Request, contact_id: uuid.UUID, memory_id: uuid.UUID) -> Response:
        contact, item = self._memory(contact_id, memory_id)
        data = MemoryIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {"kind": item.kind, "text": item.text, **data.validated_data}
        return Response(MemoryOut(services.memory_save(contact=contact, item=item, **fields)).data)

    @extend_schema(responses={204: None}, description="Forget it.")
    def delete(self, request: Request, contact_id: uuid.UUID, memory_id: uuid.UUID) -> Response:
        contact, item = self._memory(contact_id, memory_id)
        services.memory_forget(contact=contact, memory_id=item.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagsIn(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=40), min_length=1, max_length=30)


class ContactTagsApi(APIView):
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(
        request=TagsIn,
        responses=ContactOut,
        description="Add tags (existing ones are kept).",
        examples=[OpenApiExample("Enrol in a program", value={"tags": ["program-a"]}, request_only=True)],
    )
    def post(self, request: Request, contact_id: uuid.UUID) -> Response:
        data = TagsIn(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_tags_add(contact=contact_or_404(contact_id), tags=data.validated_data["tags"])
        return Response(ContactOut(contact).data)


class ContactTagApi(APIView):
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(responses=ContactOut)
    def delete(self, request: Request, contact_id: uuid.UUID, tag: str) -> Response:
        contact = services.contact_tag_remove(contact=contact_or_404(contact_id), tag=tag)
        return Response(ContactOut(contact).data)


class ContactImportIn(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV with a header row; columns: external_id, email, phone, display_name, tags (separated by ;)."
    )


class ImportErrorOut(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class ContactImportOut(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = ImportErrorOut(many=True)


class ContactImportApi(APIView):
    """Bring your client list: rows that match an existing contact update it, bad rows are reported."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ContactImportIn}, responses=ContactImportOut)
    def post(self, request: Request) -> Response:
        data = ContactImportIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.contacts_import_csv(upload=data.validated_data["file"]))


# --- Widgets -------------------------------------------------------------------------------------


class WidgetIn(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    greeting = serializers.CharField(max_length=300, required=False)
    avatar = serializers.CharField(max_length=8, required=False, allow_blank=True)
    color = serializers.CharField(max_length=7, required=False)
    text_color = serializers.CharField(max_length=7, required=False)
    position = serializers.ChoiceField(choices=Widget.Position.choices, required=False)
    allowed_origins = serializers.ListField(child=serializers.CharField(max_length=300), max_length=20, required=False)

    def validate_allowed_origins(self, value: list[str]) -> list[str]:
        # The hub's form below reads one site per line: an entry with a line break is refused, not split.
        split = [entry for entry in value if len(entry.splitlines()) > 1]
        return origins_clean(split) if split else value


class WidgetOut(serializers.ModelSerializer):
    allowed_origins = serializers.ListField(child=serializers.CharField())
    snippet = serializers.SerializerMethodField()

    class Meta:
        model = Widget
        fields = [
            "id", "key", "name", "greeting", "avatar", "color", "text_color", "position", "allowed_origins",
            "snippet", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_snippet(self, widget: Widget) -> str:
        src = self.context["request"].build_absolute_uri(f"/widget/{widget.key}.js")
        return f'<script src="{src}" async></script>'


class WidgetsApi(ContentPermissions, generics.ListAPIView):
    queryset = Widget.objects.none()
    serializer_class = WidgetOut
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def get_queryset(self) -> QuerySet:
        services.widget_ensure()  # every creator has one to show
        return widgets_list()


class WidgetApi(ContentPermissions, APIView):
    parser_classes = [JSONParser]

    def _widget(self, widget_id: uuid.UUID) -> Widget:
        widget = widget_get(widget_id)
        if widget is None:
            raise Http404("No such widget.")
        return widget

    @extend_schema(responses=WidgetOut)
    def get(self, request: Request, widget_id: uuid.UUID) -> Response:
        return Response(WidgetOut(self._widget(widget_id), context={"request": request}).data)

    @extend_schema(request=WidgetIn, responses=WidgetOut)
    def patch(self, request: Request, widget_id: uuid.UUID) -> Response:
        widget = self._widget(widget_id)
        data = WidgetIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        # One set of rules for the hub form and the API.
        fields = {name: getattr(widget, name) for name in WidgetForm.Meta.fields}
        fields.update(data.validated_data)
        fields["allowed_origins"] = "\n".join(fields["allowed_origins"])
        form = WidgetForm(fields, instance=widget)
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise serializers.ValidationError({field: [e["message"] for e in items] for field, items in errors.items()})
        widget = services.widget_save(widget=widget, **form.cleaned_data)
        return Response(WidgetOut(widget, context={"request": request}).data)


# --- Messaging outlets ----------------------------------------------------------------------------
# Connecting a bot or a number hands over its secrets: owners only, as for API keys (manage_team).
# Secrets go in and never come out; a hint of the token's last characters at most.


class OutletIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MessagingOutlet.Kind.choices)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    bot_token = serializers.CharField(max_length=300, required=False, help_text="Telegram: BotFather's token.")
    phone_number_id = serializers.CharField(max_length=30, required=False, help_text="WhatsApp: from API Setup.")
    access_token = serializers.CharField(max_length=1000, required=False, help_text="WhatsApp: a system user's token.")
    app_secret = serializers.CharField(max_length=200, required=False, help_text="WhatsApp: App settings → Basic.")
    verify_token = serializers.CharField(
        max_length=200,
        required=False,
        help_text="WhatsApp: any 8 to 200 characters; paste the same in Meta's dashboard.",
    )


class OutletEditIn(serializers.Serializer):
    """A new name, or a rotated secret; secrets not given stay as they are."""

    name = serializers.CharField(max_length=120, required=False)
    bot_token = serializers.CharField(max_length=300, required=False, help_text="Telegram: the same bot's new token.")
    access_token = serializers.CharField(max_length=1000, required=False)
    app_secret = serializers.CharField(max_length=200, required=False)
    verify_token = serializers.CharField(max_length=200, required=False)


class WhatsAppTemplateIn(serializers.Serializer):
    name = serializers.CharField(max_length=512, help_text="Exactly as in WhatsApp Manager.")
    language = serializers.CharField(max_length=15, help_text="es, en, es_MX…")
    variables = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=20, required=False, default=list,
        help_text="Names of the body's {{1}}, {{2}}… in order.",
    )  # fmt: skip


class WhatsAppTemplateOut(serializers.ModelSerializer):
    class Meta:
        model = WhatsAppTemplate
        fields = ["id", "name", "language", "variables", "created_at"]
        read_only_fields = fields


class OutletOut(serializers.ModelSerializer):
    webhook_url = serializers.SerializerMethodField()
    token_hint = serializers.CharField(source="credential_hint", help_text="The token's last characters, at most.")
    templates = WhatsAppTemplateOut(many=True, help_text="WhatsApp: approved templates registered here.")

    class Meta:
        model = MessagingOutlet
        fields = [
            "id", "kind", "name", "status", "webhook_url", "token_hint", "external_id", "created_at",
            "last_inbound_at", "last_delivery_at", "last_error", "last_error_at", "templates",
        ]  # fmt: skip
        read_only_fields = fields

    def get_webhook_url(self, outlet: MessagingOutlet) -> str:
        return webhook_url(creator=self.context["request"].tenant, outlet=outlet)


WHATSAPP_EXAMPLE = {
    "kind": "whatsapp", "name": "Coaching line", "phone_number_id": "106540352242922",
    "access_token": "EAAG…", "app_secret": "…", "verify_token": "a-phrase-you-choose",
}  # fmt: skip


def outlet_or_404(outlet_id: Any) -> MessagingOutlet:
    outlet = messaging_outlet_get(outlet_id)
    if outlet is None:
        raise Http404("No such outlet.")
    return outlet


class OutletsApi(generics.ListAPIView):
    """Your Telegram bots and WhatsApp numbers. Connecting one checks it with its platform first
    (a Telegram token with getMe, then its webhook is registered); nothing is saved if that fails."""

    queryset = MessagingOutlet.objects.none()
    permission_classes = [requires(Capability.MANAGE_TEAM)]
    parser_classes = [JSONParser]
    serializer_class = OutletOut
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def get_queryset(self) -> QuerySet:
        return messaging_outlets_list(now=timezone.now())

    @extend_schema(
        request=OutletIn,
        responses={201: OutletOut},
        examples=[
            OpenApiExample(
                "A Telegram bot", value={"kind": "telegram", "bot_token": "123456789:AAH…"}, request_only=True
            ),
            OpenApiExample("A WhatsApp number", value=WHATSAPP_EXAMPLE, request_only=True),
        ],
        description="403 until your email address is verified. 400 (nothing saved) for a token the platform refuses.",
    )
    def post(self, request: Request) -> Response:
        data = OutletIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        outlet = messaging_outlet_connect(
            creator=request.tenant, user=request.user, kind=fields.pop("kind"), data=fields
        )
        return Response(OutletOut(outlet, context={"request": request}).data, status=status.HTTP_201_CREATED)


class OutletApi(APIView):
    permission_classes = [requires(Capability.MANAGE_TEAM)]
    parser_classes = [JSONParser]

    @extend_schema(responses=OutletOut)
    def get(self, request: Request, outlet_id: uuid.UUID) -> Response:
        return Response(OutletOut(outlet_or_404(outlet_id), context={"request": request}).data)

    @extend_schema(
        request=OutletEditIn,
        responses=OutletOut,
        description="Rename, or replace a secret (a new Telegram token must be the same bot's); clears the last error.",
    )
    def patch(self, request: Request, outlet_id: uuid.UUID) -> Response:
        outlet = outlet_or_404(outlet_id)
        data = OutletEditIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        outlet = messaging_outlet_update(outlet=outlet, user=request.user, data=data.validated_data)
        return Response(OutletOut(outlet_or_404(outlet.pk), context={"request": request}).data)

    @extend_schema(responses={204: None}, description="Disconnect (Telegram's webhook is removed); conversations stay.")
    def delete(self, request: Request, outlet_id: uuid.UUID) -> Response:
        messaging_outlet_delete(outlet=outlet_or_404(outlet_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutletTemplatesApi(APIView):
    """WhatsApp templates Meta approved for this number, for messages outside the 24-hour window."""

    permission_classes = [requires(Capability.MANAGE_TEAM)]
    parser_classes = [JSONParser]

    @extend_schema(
        request=WhatsAppTemplateIn,
        responses={201: WhatsAppTemplateOut},
        examples=[
            OpenApiExample(
                "A check-in",
                value={"name": "weekly_checkin", "language": "es", "variables": ["first_name"]},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, outlet_id: uuid.UUID) -> Response:
        data = WhatsAppTemplateIn(data=request.data)
        data.is_valid(raise_exception=True)
        template = whatsapp_template_add(outlet=outlet_or_404(outlet_id), **data.validated_data)
        return Response(WhatsAppTemplateOut(template).data, status=status.HTTP_201_CREATED)


class OutletTemplateApi(APIView):
    permission_classes = [requires(Capability.MANAGE_TEAM)]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, outlet_id: uuid.UUID, template_id: uuid.UUID) -> Response:
        template = whatsapp_template_get(outlet_or_404(outlet_id), template_id)
        if template is None:
            raise Http404("No such template.")
        whatsapp_template_remove(template=template)
        return Response(status=status.HTTP_204_NO_CONTENT)
