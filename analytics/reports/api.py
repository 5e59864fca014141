from __future__ import annotations

import base64
import binascii
import csv
import io
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.reports.selectors import overview
from analytics.reports.services import rollups_update
from analytics.selectors import creator_overview
from tenants import clock
from tenants.permissions import requires
from tenants.roles import Capability

MAX_DAYS = 366
OUTLETS = ("web", "app", "api", "telegram", "whatsapp", "email")


class DaysCsvRenderer(BaseRenderer):
    """The per-day figures as CSV (`Accept: text/csv` or `?format=csv`): dates and numbers only."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        out = io.StringIO()
        if isinstance(data, dict) and "days" in data:
            writer = csv.writer(out)
            writer.writerow(["day", "messages_in", "messages_out", "active_people"])
            for row in data["days"]:
                writer.writerow([row["day"], row["messages_in"], row["messages_out"], row["active_people"]])
        else:  # an error: its JSON, so the caller still reads why
            return JSONRenderer().render(data)
        return out.getvalue().encode()


class RangeIn(serializers.Serializer):
    """A range of the creator's own days (default: the last 28, today included) and one outlet."""

    to = serializers.DateField(required=False, help_text=gettext_lazy("Last day (YYYY-MM-DD), the creator's days."))
    outlet = serializers.ChoiceField(choices=OUTLETS, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        zone = ZoneInfo(self.context["timezone"])
        end = attrs.get("to") or clock.now().astimezone(zone).date()
        start = self.context.get("from") or end - timedelta(days=27)
        if start > end:
            raise serializers.ValidationError({"from": gettext_lazy("The range starts after it ends.")})
        if (end - start).days >= MAX_DAYS:
            raise serializers.ValidationError({"from": gettext_lazy("Ask for at most 366 days at a time.")})
        return {"start": start, "end": end, "outlet": attrs.get("outlet")}


def range_parse(request: Request) -> dict[str, Any]:
    """`from` is a Python keyword, so it is parsed here and handed to the serializer."""
    start = None
    if request.query_params.get("from"):
        field = serializers.DateField()
        try:
            start = field.to_internal_value(request.query_params["from"])
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"from": exc.detail}) from exc
    params = RangeIn(data=request.query_params, context={"timezone": request.tenant.timezone or "UTC", "from": start})
    params.is_valid(raise_exception=True)
    return params.validated_data


class OverviewApi(APIView):
    permission_classes = [requires(Capability.VIEW_ANALYTICS)]
    renderer_classes = [JSONRenderer, DaysCsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", date, description="First day (YYYY-MM-DD), the creator's days."),
            OpenApiParameter("to", date),
            OpenApiParameter("outlet", str, enum=OUTLETS),
        ],
        responses=inline_serializer(
            "AnalyticsOverview",
            {
                "members": serializers.IntegerField(),
                "members_by_role": serializers.DictField(child=serializers.IntegerField()),
                "open_invitations": serializers.IntegerField(),
                "created_at": serializers.DateTimeField(),
                "from": serializers.DateField(),
                "to": serializers.DateField(),
                "outlet": serializers.CharField(),
                "active_people": serializers.IntegerField(),
                "new_people": serializers.IntegerField(),
                "messages_by_outlet": serializers.DictField(child=serializers.IntegerField()),
                "messages_by_author": serializers.DictField(child=serializers.IntegerField()),
                "answers": serializers.DictField(child=serializers.IntegerField()),
                "takeovers": serializers.IntegerField(),
                "opt_outs": serializers.IntegerField(),
                "check_ins_sent": serializers.IntegerField(),
                "check_in_response_rate": serializers.FloatField(allow_null=True),
                "median_first_reply_seconds": serializers.FloatField(allow_null=True),
                "nudges": serializers.DictField(child=serializers.IntegerField()),
                "days": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        wanted = range_parse(request)
        rollups_update(reading=True)
        figures = overview(start=wanted["start"], end=wanted["end"], outlet=wanted["outlet"])
        response = Response(creator_overview(creator=request.tenant) | figures)
        if getattr(request.accepted_renderer, "format", "") == "csv":
            name = f"analytics-{wanted['start']}-{wanted['end']}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class UnansweredApi(APIView):
    """The questions the coach could not answer, grouped by meaning, largest group first. The
    examples are people's own words: for members who answer conversations, not for analysts."""

    permission_classes = [requires(Capability.ANSWER_CONVERSATIONS)]
    page_size = 20

    @extend_schema(
        parameters=[
            OpenApiParameter("from", date),
            OpenApiParameter("to", date),
            OpenApiParameter("cursor", str, description="The `next` link's cursor."),
        ],
        responses=inline_serializer(
            "UnansweredPage",
            {
                "next": serializers.CharField(allow_null=True),
                "results": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        from analytics.reports.unanswered import unanswered_clusters

        wanted = range_parse(request)
        offset = cursor_offset(request.query_params.get("cursor"))
        clusters = unanswered_clusters(start=wanted["start"], end=wanted["end"], zone=request.tenant.timezone or "UTC")
        page = clusters[offset : offset + self.page_size]
        more = offset + self.page_size < len(clusters)
        next_url = request.build_absolute_uri(_with_cursor(request, offset + self.page_size)) if more else None
        return Response({"next": next_url, "results": [cluster.as_dict() for cluster in page]})


def cursor_offset(cursor: str | None) -> int:
    """The list's position, opaque to callers (the groups are computed, not a table to seek in)."""
    if not cursor:
        return 0
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode().removeprefix("o:"))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise serializers.ValidationError({"cursor": gettext_lazy("Invalid cursor.")}) from None
    if value < 0 or value > 100_000:
        raise serializers.ValidationError({"cursor": gettext_lazy("Invalid cursor.")})
    return value


def _with_cursor(request: Request, offset: int) -> str:
    params = request.query_params.copy()
    params["cursor"] = base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")
    return f"{request.path}?{params.urlencode()}"


class NudgesApi(APIView):
    """Each rule's nudges: sent against held back, with replies within 48 hours and the difference's
    95% interval (the randomised holdout the rules record), rules that fired most first."""

    permission_classes = [requires(Capability.VIEW_ANALYTICS)]

    @extend_schema(
        responses=inline_serializer(
            "AnalyticsNudges", {"results": serializers.ListField(child=serializers.DictField())}
        )
    )
    def get(self, request: Request) -> Response:
        from analytics.reports.nudges import nudges_by_rule

        return Response({"results": nudges_by_rule(now=clock.now())})
