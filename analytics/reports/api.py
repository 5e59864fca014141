from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.selectors import creator_overview
from tenants.permissions import requires
from tenants.roles import Capability


class OverviewApi(APIView):
    permission_classes = [requires(Capability.VIEW_ANALYTICS)]

    @extend_schema(
        responses=inline_serializer(
            "AnalyticsOverview",
            {
                "members": serializers.IntegerField(),
                "members_by_role": serializers.DictField(child=serializers.IntegerField()),
                "open_invitations": serializers.IntegerField(),
                "created_at": serializers.DateTimeField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        return Response(creator_overview(creator=request.tenant))
