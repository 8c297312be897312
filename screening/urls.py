"""The screening section's routes, under /fans/<fan_id>/screening/ (mounted by config.urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("methods", views.method_add, name="screening_method_add"),
    path("methods/<str:method_id>", views.method_update, name="screening_method_update"),
    path("methods/<str:method_id>/delete", views.method_delete, name="screening_method_delete"),
    path("files", views.file_upload, name="screening_file_upload"),
    path("files/<str:file_id>/download", views.file_download, name="screening_file_download"),
    path("files/<str:file_id>/delete", views.file_delete, name="screening_file_delete"),
    path("decision", views.decide, name="screening_decide"),
]
