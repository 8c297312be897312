"""One error path per REST surface.

Seed 000 (`/api/crm`, `/api/analytics`, `/api/webhooks`, `/api/auth`): `{"error": "..."}`.
Seed 002 (`/api/v1`, `/api/contact`): `{"success": false, "error": "..."}`.
Every failure, including unknown routes, wrong methods, oversized bodies and unexpected
exceptions, leaves in the format of the surface it was addressed to.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions

from core.exceptions import ApplicationError
from core.http import no_store

logger = logging.getLogger(__name__)

V1 = "v1"
CRM = "crm"


def surface_for(path: str) -> str | None:
    if path.startswith(("/api/v1/", "/api/contact/", "/api/chat/")) or path in ("/api/v1", "/api/contact", "/api/chat"):
        return V1
    if path.startswith("/api/"):
        return CRM
    return None


class RateLimited(exceptions.Throttled):
    """Over the write budget; carries the usage for the X-RateLimit-* and Retry-After headers."""

    def __init__(self, usage):
        super().__init__(wait=usage.retry_after)
        self.usage = usage


def error_body(surface: str, message: str, **extra) -> dict:
    if surface == V1:
        return {"success": False, "error": message, **extra}
    return {"error": message, **extra}


def error_response(surface: str, status_code: int, message: str, headers=None, **extra) -> JsonResponse:
    response = JsonResponse(error_body(surface, message, **extra), status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def validation_message(detail) -> str:
    """`"<field> is required"` or `"Invalid <field>"` for the first failing field of a serializer."""
    if isinstance(detail, dict):
        for field, errors in detail.items():
            errors = errors if isinstance(errors, list) else [errors]
            if field in ("non_field_errors", "__all__"):
                return str(errors[0]) if errors else "Invalid request"
            codes = {getattr(e, "code", None) for e in errors if not isinstance(e, (dict, list))}
            if codes & {"required", "null", "blank"}:
                return f"{field} is required"
            return f"Invalid {field}"
    if isinstance(detail, list) and detail:
        return validation_message(detail[0]) if isinstance(detail[0], (dict, list)) else str(detail[0])
    return str(detail) or "Invalid request"


MESSAGES = {
    CRM: {
        400: "Invalid request",
        401: "Not authenticated",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        406: "Not acceptable",
        413: "Request body too large",
        415: "Unsupported media type",
        429: "Rate limit exceeded",
        500: "Internal Server Error",
    },
    V1: {
        400: "Bad request",
        401: "Missing or invalid authorization header",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        406: "Not acceptable",
        413: "Request body too large",
        415: "Unsupported media type",
        429: "Rate limit exceeded",
        500: "Internal Server Error",
    },
}


def translate(exc, surface: str) -> tuple[int, str, dict]:
    """(status, message, headers) for any exception raised while serving an API request."""
    messages = MESSAGES[surface]
    if isinstance(exc, ApplicationError):
        return exc.status_code, exc.message, {}
    if isinstance(exc, RateLimited):
        headers = {**exc.usage.headers(), "Retry-After": str(exc.usage.retry_after)}
        return 429, messages[429], headers
    if isinstance(exc, (Http404, exceptions.NotFound)):
        # Our own not-founds are ApplicationErrors (above); these are DRF's and Django's.
        return 404, messages[404], {}
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        if surface == V1 and str(exc.detail) in API_KEY_MESSAGES:
            return 401, str(exc.detail), {}
        return 401, messages[401], {}
    if isinstance(exc, (exceptions.PermissionDenied, DjangoPermissionDenied)):
        return 403, messages[403], {}
    if isinstance(exc, (exceptions.MethodNotAllowed, exceptions.UnsupportedMediaType, exceptions.NotAcceptable)):
        return exc.status_code, messages[exc.status_code], {}
    if isinstance(exc, RequestDataTooBig):
        return 413, messages[413], {}
    if isinstance(exc, exceptions.ParseError):
        return 400, "Invalid JSON", {}
    if isinstance(exc, exceptions.ValidationError):
        return 400, validation_message(exc.detail), {}
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            field = next(iter(exc.error_dict))
            return 400, f"Invalid {field}", {}
        return 400, exc.messages[0] if exc.messages else messages[400], {}
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, str(exc.detail), {}
    if isinstance(exc, SuspiciousOperation):
        return 400, messages[400], {}
    logger.exception("Unhandled API error", exc_info=exc)
    return 500, messages[500], {}


API_KEY_MESSAGES = frozenset(
    {"Missing or invalid authorization header", "Invalid API key format", "Invalid API key"}
)


def _drf_handler(surface: str):
    def handler(exc, context):
        status_code, message, headers = translate(exc, surface)
        response = error_response(surface, status_code, message, headers)
        if status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    return handler


crm_exception_handler = _drf_handler(CRM)
v1_exception_handler = _drf_handler(V1)


# --- Django-level handlers: routes no view matched, and errors outside DRF -----------------


def page_not_found(request, exception=None):
    surface = surface_for(request.path)
    if surface:
        return error_response(surface, 404, MESSAGES[surface][404])
    return defaults.page_not_found(request, exception)


def server_error(request):
    surface = surface_for(request.path)
    if surface:
        return error_response(surface, 500, MESSAGES[surface][500])
    return defaults.server_error(request)


def body_limit_for(request) -> int:
    if request.path.startswith("/api/webhooks/"):
        return settings.WEBHOOK_MAX_BODY_BYTES
    if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/"):
        if request.path.startswith("/api/chat/"):
            return settings.CHAT_MAX_BODY_BYTES  # up to five files a message
        return settings.MULTIPART_MAX_BODY_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiErrorMiddleware:
    """Refuse oversized API bodies before anything reads them, keep every API error in format,
    and mark every API response `no-store` (they carry decrypted emails, phones and notes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        surface = surface_for(request.path)
        if surface is None:
            return self.get_response(request)
        return no_store(self._respond(request, surface))

    def _respond(self, request, surface):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(surface, 400, MESSAGES[surface][400])
        if length > body_limit_for(request):
            # No `Connection: close`: a hop-by-hop header is the server's to set (PEP 3333; wsgiref,
            # and so runserver, answers 500 to an application that sets one). The servers discard
            # the unread body themselves before the next request on the connection.
            return error_response(surface, 413, MESSAGES[surface][413])
        response = self.get_response(request)
        if response.status_code == 404 and not _is_json(response):
            # An unmatched API route under DEBUG gets Django's HTML technical 404 (handler404
            # only runs with DEBUG off): keep it in the surface's format too.
            return error_response(surface, 404, MESSAGES[surface][404])
        return response

    def process_exception(self, request, exception):
        surface = surface_for(request.path)
        if surface is None:
            return None
        status_code, message, headers = translate(exception, surface)
        return error_response(surface, status_code, message, headers)

