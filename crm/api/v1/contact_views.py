"""POST /api/contact/submit: the public contact form, no API key (seed-002 surface)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from core.api.errors import RateLimited
from core.api.parsers import json_object
from core.api.schema import form_body, v1_errors
from core.api.views import PublicV1View, RateLimitHeadersMixin
from crm.contact import contact_rate_limit, contact_submit
from crm.forms import ContactForm

from .contact_serializers import ContactAcceptedSerializer, ContactRejectedSerializer


class ContactSubmitView(RateLimitHeadersMixin, PublicV1View):
    @extend_schema(
        operation_id="contact_submit",
        tags=["contact"],
        summary="Send a message to a creator through their public contact form",
        description="No API key. 5 submissions per 15 minutes per address (X-RateLimit-* headers). "
        "`website` and `company` are honeypots: leave them empty.",
        request=form_body(
            "ContactSubmit",
            ContactForm,
            exclude=ContactForm.HONEYPOT_FIELDS,
            help_texts={"model_id": "The creator's slug"},
        ),
        responses={
            200: ContactAcceptedSerializer,
            400: OpenApiResponse(
                ContactRejectedSerializer, description="Validation failed (with details), or rejected"
            ),
            **v1_errors(413, 429),
        },
    )
    def post(self, request):
        self.rate_limit_usage = contact_rate_limit(request)
        if self.rate_limit_usage.exceeded:
            raise RateLimited(self.rate_limit_usage)
        result = contact_submit(data=json_object(request))
        if not result.accepted:
            return Response(ContactRejectedSerializer(result).data, status=400)
        return Response(ContactAcceptedSerializer(result).data)
