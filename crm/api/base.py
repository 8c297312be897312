"""The base of every view of the two REST surfaces.

A view names its surface by inheriting `CrmSurfaceView` (seed 000) or `V1SurfaceView`
(seed 002). The base resolves the requesting creator once (`self.creator`), counts writes
against the creator's shared budget, and renders every error in the surface's format.
"""

from rest_framework import permissions
from rest_framework.views import APIView

from crm import ratelimit

from .authentication import ApiKeyAuthentication, CsrfSessionAuthentication, JWTCookieAuthentication
from .errors import RateLimited, crm_exception_handler, v1_exception_handler


class IsCreator(permissions.BasePermission):
    """Authenticated, and a creator (staff without a creator profile get 403)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return hasattr(user, "creator")


class SurfaceView(APIView):
    """Every error leaves through the surface's handler (`exception_handler`; seed 000 by default)."""

    exception_handler = staticmethod(crm_exception_handler)

    def get_exception_handler(self):
        return self.exception_handler


class RateLimitHeadersMixin:
    """Every answer, errors included, carries the X-RateLimit-* headers of the budget spent."""

    rate_limit_usage = None

    def finalize_response(self, request, response, *args, **kwargs):
        if self.rate_limit_usage is not None:
            for name, value in self.rate_limit_usage.headers().items():
                response[name] = value
        return super().finalize_response(request, response, *args, **kwargs)


class CreatorAPIView(RateLimitHeadersMixin, SurfaceView):
    permission_classes = [IsCreator]
    rate_limited = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.creator = request.user.creator
        # A method the view does not serve is a 405, not a write: it spends no budget.
        serves_method = hasattr(self, request.method.lower())
        if self.rate_limited and request.method in ratelimit.WRITE_METHODS and serves_method:
            self.rate_limit_usage = ratelimit.creator_write(request, self.creator)
            if self.rate_limit_usage.exceeded:
                raise RateLimited(self.rate_limit_usage)


class CrmSurfaceView(CreatorAPIView):
    """Seed 000: JWT (header or cookie) or session; errors as `{"error": ...}`."""

    authentication_classes = [JWTCookieAuthentication, CsrfSessionAuthentication]
    exception_handler = staticmethod(crm_exception_handler)


class V1OptionsMixin:
    """OPTIONS answers DRF's route metadata inside the seed-002 envelope, like every response."""

    def options(self, request, *args, **kwargs):
        return v1_ok(self.metadata_class().determine_metadata(request, self))


class V1SurfaceView(V1OptionsMixin, CreatorAPIView):
    """Seed 002: `pk_` API keys; `{"success": ..., "data": ...}` envelopes and errors."""

    authentication_classes = [ApiKeyAuthentication]
    exception_handler = staticmethod(v1_exception_handler)


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


def v1_ok(data, *, status=200, **extra):
    """The seed-002 success envelope."""
    from rest_framework.response import Response

    return Response({"success": True, "data": data, **extra}, status=status)
