"""OpenAPI descriptions of the screening endpoints (documentation only; the envelopes and
errors are the seed-002 surface's, from core.api.schema)."""

from rest_framework import serializers

from core.api.schema import UploadField

from .serializers import FileOutputSerializer, MethodOutputSerializer


class ScreeningInfoSerializer(serializers.Serializer):
    interaction_id = serializers.IntegerField()
    escort_client_id = serializers.IntegerField()
    methods = MethodOutputSerializer(many=True)
    files = FileOutputSerializer(many=True)


class FileUploadSerializer(serializers.Serializer):
    file = UploadField()
