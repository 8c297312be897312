from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("crm.api.v1_urls")),
    path("api/v1/", include("screening.api.urls")),
    path("api/contact/", include("crm.api.contact_urls")),
    path("api/analytics/", include("analytics.api.urls")),
    path("api/webhooks/", include("webhooks.api.urls")),
    path("api/", include("crm.api.crm_urls")),
    path("", include("analytics.urls")),
    path("", include("crm.urls")),
]

handler404 = "crm.api.errors.page_not_found"
handler500 = "crm.api.errors.server_error"
