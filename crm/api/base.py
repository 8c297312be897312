"""The bases of every creator-facing view of the two REST surfaces.

`CrmSurfaceView` (seed 000) and `V1SurfaceView` (seed 002) authenticate, resolve the requesting
creator once (`self.creator`), count writes against the creator's shared budget, and render every
error in the surface's format (core.api.views).
"""

from django.conf import settings
from rest_framework import permissions

from core import ratelimit
from core.api.errors import RateLimited, crm_exception_handler, v1_exception_handler
from core.api.views import RateLimitHeadersMixin, SurfaceView, V1OptionsMixin
from core.observability.context import bind_creator

from .authentication import ApiKeyAuthentication, CsrfSessionAuthentication, JWTCookieAuthentication


class IsCreator(permissions.BasePermission):
    """Authenticated, and a creator (staff without a creator profile get 403)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return hasattr(user, "creator")


def creator_write(request, creator) -> ratelimit.Usage:
    """The shared write budget of one creator (both REST surfaces)."""
    return ratelimit.hit(request, group="creator-writes", key=f"creator:{creator.pk}", rate=settings.WRITE_RATE_LIMIT)


class CreatorAPIView(RateLimitHeadersMixin, SurfaceView):
    permission_classes = [IsCreator]
    rate_limited = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.creator = request.user.creator
        bind_creator(self.creator.pk)  # every log line of the request names it
        # A method the view does not serve is a 405, not a write: it spends no budget.
        serves_method = hasattr(self, request.method.lower())
        if self.rate_limited and request.method in ratelimit.WRITE_METHODS and serves_method:
            self.rate_limit_usage = creator_write(request, self.creator)
            if self.rate_limit_usage.exceeded:
                raise RateLimited(self.rate_limit_usage)


class CrmSurfaceView(CreatorAPIView):
    """Seed 000: JWT (header or cookie) or session; errors as `{"error": ...}`."""

    authentication_classes = [JWTCookieAuthentication, CsrfSessionAuthentication]
    exception_handler = staticmethod(crm_exception_handler)


class V1SurfaceView(V1OptionsMixin, CreatorAPIView):
    """Seed 002: `pk_` API keys; `{"success": ..., "data": ...}` envelopes and errors."""

    authentication_classes = [ApiKeyAuthentication]
    exception_handler = staticmethod(v1_exception_handler)
