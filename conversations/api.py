"""POST /api/v1/chat: the first way to talk to a creator's coach."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.services import ConversationNotFound, chat_turn, contact_resolve
from tenants.permissions import requires
from tenants.roles import Capability


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


class ChatApi(APIView):
    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]

    @extend_schema(request=ChatIn, responses=ChatOut)
    def post(self, request: Request) -> Response:
        data = ChatIn(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contact_resolve(**data.validated_data["contact"])
        conversation_id = data.validated_data.get("conversation")
        try:
            conversation, reply = chat_turn(
                contact=contact,
                text=data.validated_data["message"],
                conversation_id=str(conversation_id) if conversation_id else None,
            )
        except ConversationNotFound as exc:
            raise Http404("No such conversation for this contact.") from exc
        return Response(
            ChatOut({"conversation": conversation.id, "handler": conversation.handler, "reply": reply}).data
        )
