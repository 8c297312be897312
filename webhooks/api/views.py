"""`/api/webhooks/instagram`: Meta's verification handshake and the signed event intake.

The intake only checks, splits and stores (one transaction); all processing happens in the
background, so the answer comes at once, as Meta requires.
"""

import hmac

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from core.api.errors import CRM, error_response
from core.api.views import PublicCrmView
from core.exceptions import PayloadTooLarge

from ..intake import InvalidPayload, parse_delivery, signature_valid
from ..services import events_store

SIGNATURE_HEADER = "HTTP_X_HUB_SIGNATURE_256"


def read_raw_body(request) -> bytes:
    """The exact bytes Meta signed. `request.body` would refuse anything over the 1 MB JSON limit;
    webhook deliveries may reach WEBHOOK_MAX_BODY_BYTES (ApiErrorMiddleware refuses larger ones)."""
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    body = request._request.read(limit + 1)
    if len(body) > limit:
        raise PayloadTooLarge("Request body too large")
    return body


def delivery_authentic(request, body: bytes) -> bool:
    secret = settings.INSTAGRAM_WEBHOOK_SECRET
    if not secret:
        # Only local settings allow this; production refuses to start without a secret.
        return settings.WEBHOOK_ALLOW_UNSIGNED
    return signature_valid(body=body, header=request.META.get(SIGNATURE_HEADER), secret=secret)


ERROR = inline_serializer("WebhookError", {"error": serializers.CharField()})


class InstagramWebhookView(PublicCrmView):
    """GET: subscription verification. POST: a signed delivery of changes and messaging items."""

    @extend_schema(
        operation_id="instagram_webhook_verify",
        parameters=[
            OpenApiParameter("hub.mode", str, required=True, description="Always `subscribe`"),
            OpenApiParameter("hub.verify_token", str, required=True),
            OpenApiParameter("hub.challenge", str, required=True, description="Echoed back as text/plain"),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.STR, description="The challenge"), 403: ERROR},
    )
    def get(self, request):
        params = request.query_params
        token = settings.INSTAGRAM_WEBHOOK_VERIFY_TOKEN
        given = params.get("hub.verify_token", "")
        challenge = params.get("hub.challenge", "")
        if (
            token
            and challenge
            and params.get("hub.mode") == "subscribe"
            and hmac.compare_digest(given.encode(), token.encode())
        ):
            return HttpResponse(challenge, content_type="text/plain; charset=utf-8")
        return error_response(CRM, 403, "Verification failed")

    @extend_schema(
        operation_id="instagram_webhook_receive",
        parameters=[
            OpenApiParameter(
                "X-Hub-Signature-256", str, OpenApiParameter.HEADER, description="`sha256=<hex>` over the raw body"
            )
        ],
        request=OpenApiTypes.OBJECT,
        responses={
            200: inline_serializer("WebhookAccepted", {"success": serializers.BooleanField()}),
            400: ERROR,
            401: ERROR,
            413: ERROR,
        },
    )
    def post(self, request):
        body = read_raw_body(request)
        if not delivery_authentic(request, body):
            return error_response(CRM, 401, "Invalid signature")
        try:
            drafts = parse_delivery(body)
        except InvalidPayload:
            return error_response(CRM, 400, "Invalid payload")
        events_store(drafts=drafts)
        return Response({"success": True})
