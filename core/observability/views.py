"""/healthz (liveness), /readyz (readiness) and /metrics (Prometheus), mounted in config/urls.py.

No authentication, no rate limit, no session: a load balancer or Prometheus calls them every few
seconds. Nothing secret in any answer: check names and ok/error/timeout, never an error text.
"""

from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from . import build, exposition, health
from .access import metrics_allowed


@never_cache
@require_safe
def healthz(request):
    """The process is up and answers; no dependency is touched."""
    return JsonResponse({"status": "ok", "version": build.version()})


@never_cache
@require_safe
def readyz(request):
    payload, ready = health.readiness()
    return JsonResponse(payload, status=200 if ready else 503)


@never_cache
def metrics_view(request):
    # Refused before anything else, with the site's own 404: a stranger learns nothing, cheaply.
    if not metrics_allowed(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(exposition.exposition(), content_type=CONTENT_TYPE_LATEST)


@never_cache
@require_safe
async def live_healthz(request):
    """Liveness of the live process (config.asgi, under /live/): answered on its event loop."""
    return JsonResponse({"status": "ok", "version": build.version()})
