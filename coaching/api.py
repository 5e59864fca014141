from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coaching.models import Persona
from coaching.selectors import persona_get
from coaching.services import persona_update
from tenants.permissions import requires
from tenants.roles import Capability


class PersonaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Persona
        fields = ["coach_name", "greeting", "voice", "rules", "updated_at", "updated_by_email"]
        read_only_fields = ["updated_at", "updated_by_email"]


class PersonaApi(APIView):
    """The coach's name, greeting, voice and rules. Coaches and owners edit; analysts cannot see it."""

    def get_permissions(self) -> list:
        needed = Capability.VIEW_CONTENT if self.request.method == "GET" else Capability.EDIT_CONTENT
        return [requires(needed)()]

    @extend_schema(responses=PersonaSerializer)
    def get(self, request: Request) -> Response:
        return Response(PersonaSerializer(persona_get()).data)

    @extend_schema(request=PersonaSerializer, responses=PersonaSerializer)
    def patch(self, request: Request) -> Response:
        data = PersonaSerializer(persona_get(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        persona = persona_update(editor=request.user, **data.validated_data)
        return Response(PersonaSerializer(persona).data)
