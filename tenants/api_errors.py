"""One shape for every API error: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error envelope: DRF's handler below, plain Django views and middleware all build it
    here, so a client parses every refusal the same way whichever layer said no."""
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def error_response(code: str, message: str, status: int, fields: dict[str, Any] | None = None) -> JsonResponse:
    """The envelope for plain Django views and middleware, which answer before or outside DRF."""
    return JsonResponse(error_body(code, message, fields), status=status)


def api_error(code: str, message: str, status: int, fields: dict[str, Any] | None = None) -> Response:
    """The envelope from a DRF view that answers a refusal itself instead of raising."""
    return Response(error_body(code, message, fields), status=status)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "That already exists."


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, dict | list) else _flatten(item) for item in detail]
    return str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": _flatten(exc.detail)}
        message = "Some fields are not valid."
        if list(fields) == ["non_field_errors"]:
            message = "; ".join(fields["non_field_errors"])
        code = "invalid"
    else:
        detail = getattr(exc, "detail", str(exc))
        code = detail.code if hasattr(detail, "code") else getattr(exc, "default_code", "error")
        if isinstance(detail, dict):  # simplejwt puts {"detail", "code", "messages"} here
            code, detail = detail.get("code", code), detail.get("detail", "Not allowed.")
        code, message, fields = str(code), str(detail), {}
    response.data = error_body(code, message, fields)
    return response
