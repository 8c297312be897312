"""POST /api/contact/submit: the public contact form, no API key (seed-002 surface)."""

from rest_framework.response import Response

from crm.contact import CONTACT_THANKS, contact_rate_limit, contact_submit

from .base import PublicV1View
from .errors import RateLimited
from .v1_views import json_object


class ContactSubmitView(PublicV1View):
    def post(self, request):
        self.usage = contact_rate_limit(request)
        if self.usage.exceeded:
            raise RateLimited(self.usage)
        result = contact_submit(data=json_object(request))
        if result.spam:
            # No hint of which field gave the bot away.
            return Response({"success": False, "error": "Submission rejected"}, status=400)
        if not result.accepted:
            return Response(
                {"success": False, "error": "Validation failed", "details": result.errors}, status=400
            )
        return Response(
            {"success": True, "message": CONTACT_THANKS, "conversation_id": result.conversation.pk}
        )

    def finalize_response(self, request, response, *args, **kwargs):
        usage = getattr(self, "usage", None)
        if usage is not None:
            for name, value in usage.headers().items():
                response[name] = value
        return super().finalize_response(request, response, *args, **kwargs)
