"""Base views of the two REST surfaces that need no creator.

A view names its surface by its base: seed 000 (`{"error": ...}`) or seed 002 (`{"success":
..., "data": ...}`); every error it raises leaves in that surface's format. The bases that
resolve a creator (authentication, write budget) build on these in crm.api.base.
"""

from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import crm_exception_handler, v1_exception_handler
from .jwt import RENEWED_ACCESS_ATTR, set_access_cookie


class SurfaceView(APIView):
    """Every error leaves through the surface's handler (`exception_handler`; seed 000 by default).

    An access token the cookie authentication renewed from the page session leaves in the cookie.
    """

    exception_handler = staticmethod(crm_exception_handler)

    def get_exception_handler(self):
        return self.exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        renewed = getattr(request._request if hasattr(request, "_request") else request, RENEWED_ACCESS_ATTR, None)
        if renewed:
            set_access_cookie(response, renewed)
        return super().finalize_response(request, response, *args, **kwargs)


class RateLimitHeadersMixin:
    """Every answer, errors included, carries the X-RateLimit-* headers of the budget spent."""

    rate_limit_usage = None

    def finalize_response(self, request, response, *args, **kwargs):
        if self.rate_limit_usage is not None:
            for name, value in self.rate_limit_usage.headers().items():
                response[name] = value
        return super().finalize_response(request, response, *args, **kwargs)


def v1_ok(data, *, status=200, **extra):
    """The seed-002 success envelope."""
    return Response({"success": True, "data": data, **extra}, status=status)


class V1OptionsMixin:
    """OPTIONS answers DRF's route metadata inside the seed-002 envelope, like every response."""

    def options(self, request, *args, **kwargs):
        return v1_ok(self.metadata_class().determine_metadata(request, self))


class PublicCrmView(SurfaceView):
    """Seed-000 endpoints that need no login (auth, webhooks)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    exception_handler = staticmethod(crm_exception_handler)


class PublicV1View(V1OptionsMixin, SurfaceView):
    """Seed-002 endpoints that need no API key (key generation, the public contact form)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    exception_handler = staticmethod(v1_exception_handler)
