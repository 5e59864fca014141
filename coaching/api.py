from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.forms import SAFETY_MAX_LENGTH, phrases_clean
from coaching.models import CheckupQuestion
from coaching.selectors import checkup_question_get, checkup_questions_list
from coaching.services import checkup_question_add, checkup_question_delete, checkup_run
from conversations.models import Persona
from conversations.selectors import persona_get
from conversations.services.persona import persona_update
from tenants.permissions import ContentPermissions, requires
from tenants.roles import Capability


class PersonaSerializer(serializers.ModelSerializer):
    updated_by_email = serializers.CharField(read_only=True, help_text="Who edited last; empty before any edit.")
    phrases = serializers.JSONField(
        required=False,
        help_text='The coach\'s own fixed phrases by language, e.g. {"es": {"thanks": "¡A ti!"}}: languages en, es; '
        "phrases greeting, thanks, sign_off, capabilities, unknown, not_understood, offer, declined, human (up to "
        "300 characters). The whole object is replaced; a phrase left out or empty uses the default.",
    )
    safety_message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SAFETY_MAX_LENGTH,
        help_text="What the coach says when a message shows a crisis, in every language; empty: the default.",
    )

    class Meta:
        model = Persona
        fields = [
            "coach_name", "greeting", "voice", "rules", "phrases", "safety_message", "updated_at", "updated_by_email",
        ]  # fmt: skip
        read_only_fields = ["updated_at", "updated_by_email"]

    def validate_phrases(self, value: Any) -> dict[str, dict[str, str]]:
        try:
            return phrases_clean(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class PersonaApi(ContentPermissions, APIView):
    """The coach's name, greeting, voice, rules, own phrases and safety message. Coaches and owners
    edit; analysts cannot see it."""

    @extend_schema(responses=PersonaSerializer)
    def get(self, request: Request) -> Response:
        return Response(PersonaSerializer(persona_get()).data)

    @extend_schema(request=PersonaSerializer, responses=PersonaSerializer)
    def patch(self, request: Request) -> Response:
        data = PersonaSerializer(persona_get(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        persona = persona_update(editor=request.user, **data.validated_data)
        return Response(PersonaSerializer(persona).data)


class CheckupQuestionIn(serializers.Serializer):
    question = serializers.CharField(max_length=500)
    required_facts = serializers.ListField(child=serializers.CharField(max_length=200), max_length=20)


class CheckupQuestionOut(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    required_facts = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = CheckupQuestion
        fields = ["id", "question", "required_facts", "created_at"]
        read_only_fields = fields


class CheckupQuestionsApi(ContentPermissions, generics.ListAPIView):
    serializer_class = CheckupQuestionOut
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def get_queryset(self) -> QuerySet:
        return checkup_questions_list()

    @extend_schema(request=CheckupQuestionIn, responses={201: CheckupQuestionOut})
    def post(self, request: Request) -> Response:
        data = CheckupQuestionIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CheckupQuestionOut(checkup_question_add(**data.validated_data)).data, status=201)


class CheckupQuestionApi(APIView):
    permission_classes = [requires(Capability.EDIT_CONTENT)]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, question_id: uuid.UUID) -> Response:
        question = checkup_question_get(question_id)
        if question is None:
            raise Http404("No such check-up question.")
        checkup_question_delete(question=question)
        return Response(status=204)


class CheckupResultOut(serializers.Serializer):
    id = serializers.UUIDField()
    question = serializers.CharField()
    passed = serializers.BooleanField()
    missing_facts = serializers.ListField(child=serializers.CharField())
    reply = serializers.CharField()


class CheckupOut(serializers.Serializer):
    passed = serializers.IntegerField()
    total = serializers.IntegerField()
    results = CheckupResultOut(many=True)


class CheckupApi(APIView):
    """Run every check-up question against the coach as it is now."""

    permission_classes = [requires(Capability.VIEW_CONTENT)]

    @extend_schema(request=None, responses=CheckupOut)
    def post(self, request: Request) -> Response:
        return Response(checkup_run())
