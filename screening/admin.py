"""Back office for screening: methods and files as inlines of the fan, a read-only file list,
and a file download view for staff holding `screening.view_screeningfile`.

The Fan admin (crm/admin/fans.py) shows the inlines and the approve/reject actions of this module,
registered with crm.extensions from ScreeningConfig.ready.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from core.exceptions import NotFound
from crm import services as crm_services
from crm.choices import ScreeningStatus
from crm.teams.audit import AuditAction, audit_record

from .downloads import screening_file_response
from .models import ScreeningFile, ScreeningMethod

VIEW_FILE_PERMISSION = "screening.view_screeningfile"


def _download_link(screening_file: ScreeningFile):
    if not screening_file.pk:
        return "—"
    url = reverse("admin:screening_screeningfile_download", args=[screening_file.pk])
    return format_html('<a href="{}">Download</a>', url)


PRIVATE_FIELDS_PERMISSION = "crm.view_private_fields"


class DetailsNeedThePermission:
    """A method's decrypted details only for staff with `crm.view_private_fields` (the fan
    page's viewing is audited by the fan admin; a method's own page by its admin)."""

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if request.user.has_perm(PRIVATE_FIELDS_PERMISSION) else [f for f in fields if f != "details"]


class ScreeningMethodInline(DetailsNeedThePermission, admin.TabularInline):
    model = ScreeningMethod
    extra = 0
    fields = ["method_type", "status", "details", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]


class ScreeningFileInline(admin.TabularInline):
    """Files are listed and deleted here; uploads go through the validating service only."""

    model = ScreeningFile
    extra = 0
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at", "download"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def download(self, obj):
        return _download_link(obj)


FAN_SCREENING_INLINES = (ScreeningMethodInline, ScreeningFileInline)


@transaction.atomic
def _decide(request, fans, status: str) -> int:
    for fan in fans:
        crm_services.fan_screening_decide(fan=fan, status=status, decided_by=request.user)
    return len(fans)


@admin.action(permissions=["change"], description="Approve screening of selected fans")
def approve_screening(modeladmin, request, queryset):
    count = _decide(request, list(queryset), ScreeningStatus.APPROVED)
    modeladmin.message_user(request, f"Approved screening of {count} fan(s).", messages.SUCCESS)


@admin.action(permissions=["change"], description="Reject screening of selected fans")
def reject_screening(modeladmin, request, queryset):
    count = _decide(request, list(queryset), ScreeningStatus.REJECTED)
    modeladmin.message_user(request, f"Rejected screening of {count} fan(s).", messages.SUCCESS)


FAN_SCREENING_ACTIONS = (approve_screening, reject_screening)


@admin.register(ScreeningMethod)
class ScreeningMethodAdmin(DetailsNeedThePermission, admin.ModelAdmin):
    list_display = ["id", "fan", "method_type", "status", "created_at"]
    list_select_related = ["fan"]
    list_filter = ["method_type", "status"]
    search_fields = ["fan__name", "fan__client_identifier"]
    raw_id_fields = ["fan"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and request.user.has_perm(PRIVATE_FIELDS_PERMISSION):
            method = self.get_object(request, object_id)
            if method is not None:  # one entry per page view, with the ids shown
                audit_record(
                    creator_id=method.fan.creator_id, action=AuditAction.PRIVATE_FIELDS_VIEWED, obj=method,
                    fan_id=method.fan_id, fields=["details"],
                )
        return response


@admin.register(ScreeningFile)
class ScreeningFileAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "fan", "content_type", "size", "uploaded_at", "download"]
    list_select_related = ["fan"]
    list_filter = ["content_type", "uploaded_at"]
    search_fields = ["original_name", "sha256", "fan__name"]
    raw_id_fields = ["fan"]
    fields = ["fan", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at", "download"]
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def download(self, obj):
        return _download_link(obj)

    def get_urls(self):
        download = self.admin_site.admin_view(self.download_view)
        return [
            path("<int:file_id>/download/", download, name="screening_screeningfile_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, file_id: int):
        # admin_view guarantees an active staff user; the model's view permission is also needed.
        if not request.user.has_perm(VIEW_FILE_PERMISSION):
            raise PermissionDenied
        screening_file = get_object_or_404(ScreeningFile, pk=file_id)
        try:
            return screening_file_response(screening_file)
        except NotFound as exc:
            raise Http404(exc.message) from exc
