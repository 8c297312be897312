"""The project's routes: each app's pages and API surfaces, mounted here (the top layer)."""

from django.contrib import admin
from django.urls import include, path

from core.observability import views as ops

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics_view, name="metrics"),
    path("live/", include("config.live_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crm.api.v1.urls")),
    path("api/v1/", include("screening.api.urls")),
    path("api/contact/", include("crm.api.v1.contact_urls")),
    path("api/chat/", include("crm.api.v1.chat_urls")),
    path("api/analytics/", include("analytics.api.urls")),
    path("api/webhooks/", include("webhooks.api.urls")),
    path("api/", include("crm.api.jwt.urls")),
    path("", include("analytics.urls")),
    path("fans/<str:fan_id>/screening/", include("screening.urls")),
    path("", include("crm.urls")),
]

handler404 = "core.api.errors.page_not_found"
handler500 = "core.api.errors.server_error"
