from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/analytics/", include("analytics.api.urls")),
    path("", include("analytics.urls")),
    path("", include("crm.urls")),
]

handler404 = "crm.api.errors.page_not_found"
handler500 = "crm.api.errors.server_error"
