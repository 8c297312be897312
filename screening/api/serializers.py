"""Seed-002 shapes of screening methods and files, declared once for the answers and the OpenAPI
schema. Input and output serializers are separate: owner ids, sizes, types and hashes are never
read from a request."""

from pathlib import PurePosixPath

from django.urls import reverse
from rest_framework import serializers

from core.api.fields import UploadField
from screening.choices import MethodStatus, MethodType
from screening.services import MAX_DETAILS_LENGTH


class MethodInputSerializer(serializers.Serializer):
    method_type = serializers.ChoiceField(choices=MethodType.choices)
    details = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=MAX_DETAILS_LENGTH, trim_whitespace=False
    )
    status = serializers.ChoiceField(choices=MethodStatus.choices, required=False)


class MethodOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method_type = serializers.CharField()
    details = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class FileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file_name = serializers.CharField(source="original_name")
    file_size = serializers.IntegerField(source="size")
    file_type = serializers.CharField(source="content_type")
    uploaded_at = serializers.DateTimeField()


class FileListItemSerializer(FileOutputSerializer):
    """The Files API's listing adds what the seed's conversation-file listing offers."""

    interaction_id = serializers.IntegerField(source="fan_id")
    file_extension = serializers.SerializerMethodField()
    is_image = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    def get_file_extension(self, obj) -> str:
        return PurePosixPath(obj.file.name).suffix

    def get_is_image(self, obj) -> bool:
        return obj.content_type.startswith("image/")

    def get_file_url(self, obj) -> str:
        # The authorised download route (API key required), never a storage URL.
        return reverse("screening-v1:file-download", args=[obj.fan_id, obj.pk])


class ScreeningInfoSerializer(serializers.Serializer):
    # A client's screening (a screening.selectors.ScreeningInfo).

    interaction_id = serializers.IntegerField(source="fan.pk")
    escort_client_id = serializers.IntegerField(source="fan.pk")
    methods = MethodOutputSerializer(many=True)
    files = FileOutputSerializer(many=True)


class FileUploadSerializer(serializers.Serializer):
    # Documented as required; its absence is refused by the upload check ("File is required").
    file = UploadField(required=True)

