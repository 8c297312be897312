"""Mounted at /api/v1/ by config.urls. Path ids are strings parsed by the selectors, so a
malformed id is the same 404 as a missing one, in the v1 envelope."""

from django.urls import path

from . import views

app_name = "screening-v1"

urlpatterns = [
    path("screening/<str:interaction_id>", views.ScreeningInfoView.as_view(), name="info"),
    path("screening/<str:interaction_id>/methods", views.ScreeningMethodsView.as_view(), name="methods"),
    path(
        "screening/<str:interaction_id>/methods/<str:method_id>",
        views.ScreeningMethodDetailView.as_view(),
        name="method-detail",
    ),
    path("screening/<str:interaction_id>/files", views.ScreeningFilesView.as_view(), name="files"),
    path(
        "screening/<str:interaction_id>/files/<str:file_id>",
        views.ScreeningFileDetailView.as_view(),
        name="file-detail",
    ),
    path(
        "screening/<str:interaction_id>/files/<str:file_id>/download",
        views.ScreeningFileDownloadView.as_view(),
        name="file-download",
    ),
    path("files/screening/<str:interaction_id>", views.ScreeningFileListView.as_view(), name="file-list"),
]
