"""Only the seed-000 routes, to check their OpenAPI annotations on their own."""

from django.urls import include, path

urlpatterns = [path("api/", include("crm.api.crm_urls"))]
