"""`/api/v1/screening/...` and `/api/v1/files/screening/...` (seed 002), API-key authenticated.

The surface's declarative base (crm.api.base.V1ApiView) resolves the creator, counts writes,
renders errors in the `{"success": false, "error": ...}` envelope and answers with the declared
serializer; these views only call selectors and services. Another creator's client is "Client
not found", exactly like a missing one.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer

from core.api.renderers import AnyMediaRenderer
from core.api.schema import BINARY_DOWNLOAD, WRITE_HEADERS_DOC, v1_envelope, v1_errors
from core.api.views import v1_ok
from core.exceptions import InvalidInput
from crm.api.base import V1ApiView
from crm.teams.policy import Action
from screening import selectors, services
from screening.downloads import screening_file_response

from .serializers import (
    FileListItemSerializer,
    FileOutputSerializer,
    FileUploadSerializer,
    MethodInputSerializer,
    MethodOutputSerializer,
    ScreeningInfoSerializer,
)

TAGS = ["v1 screening"]


class ScreeningInfoView(V1ApiView):
    policy_actions = {"GET": Action.SCREENING_READ}
    serializer_class = ScreeningInfoSerializer

    @extend_schema(
        operation_id="v1_screening_retrieve",
        tags=TAGS,
        summary="A client's screening methods and files",
        responses={
            200: v1_envelope("V1ScreeningInfo", ScreeningInfoSerializer),
            **v1_errors(401, 403, 404),
        },
    )
    def get(self, request, interaction_id):
        return self.answer(selectors.screening_info_for_fan(creator=self.creator, fan_id=interaction_id))


class ScreeningMethodsView(V1ApiView):
    policy_actions = {"POST": Action.SCREENING_WRITE}
    serializer_class = MethodOutputSerializer

    @extend_schema(
        operation_id="v1_screening_methods_create",
        tags=TAGS,
        summary="Add a screening method",
        description=WRITE_HEADERS_DOC,
        request=MethodInputSerializer,
        responses={
            201: v1_envelope("V1ScreeningMethod", MethodOutputSerializer),
            **v1_errors(400, 401, 403, 404, 413, 429),
        },
    )
    def post(self, request, interaction_id):
        fan = selectors.screening_client_get(creator=self.creator, fan_id=interaction_id)
        data = self.validated(MethodInputSerializer, data=request.data)
        return self.answer(services.screening_method_add(fan=fan, **data), status=201)


class ScreeningMethodDetailView(V1ApiView):
    policy_actions = {"PUT": Action.SCREENING_WRITE}
    serializer_class = MethodOutputSerializer

    @extend_schema(
        operation_id="v1_screening_methods_update",
        tags=TAGS,
        summary="Change a screening method (partial)",
        description=WRITE_HEADERS_DOC,
        request=MethodInputSerializer,
        responses={
            200: v1_envelope("V1ScreeningMethod", MethodOutputSerializer),
            **v1_errors(400, 401, 403, 404, 413, 429),
        },
    )
    def put(self, request, interaction_id, method_id):
        method = selectors.screening_method_get(
            creator=self.creator, fan_id=interaction_id, method_id=method_id
        )
        serializer = MethodInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self.answer(services.screening_method_update(method=method, **serializer.validated_data))


class ScreeningFilesView(V1ApiView):
    policy_actions = {"POST": Action.SCREENING_WRITE}
    parser_classes = [MultiPartParser]
    serializer_class = FileOutputSerializer

    @extend_schema(
        operation_id="v1_screening_files_create",
        tags=TAGS,
        summary="Upload a screening file (multipart `file`)",
        description=WRITE_HEADERS_DOC,
        request=FileUploadSerializer,
        responses={
            201: v1_envelope("V1ScreeningFile", FileOutputSerializer),
            **v1_errors(400, 401, 403, 404, 413, 429),
        },
    )
    def post(self, request, interaction_id):
        # The client is resolved before the body is parsed: another creator's id is a 404
        # whatever the upload.
        fan = selectors.screening_client_get(creator=self.creator, fan_id=interaction_id)
        try:
            body = request.data
        except ParseError:
            raise InvalidInput("Invalid multipart body", field="file")
        upload = self.validated(FileUploadSerializer, data=body).get("file")
        screening_file = services.screening_file_upload(fan=fan, upload=upload, uploaded_by=request.user)
        return self.answer(screening_file, status=201)


class ScreeningFileDetailView(V1ApiView):
    policy_actions = {"DELETE": Action.SCREENING_WRITE}
    @extend_schema(
        operation_id="v1_screening_files_destroy",
        tags=TAGS,
        summary="Delete a screening file",
        description=WRITE_HEADERS_DOC,
        responses={200: v1_envelope("V1Deleted"), **v1_errors(401, 403, 404, 429)},
    )
    def delete(self, request, interaction_id, file_id):
        screening_file = selectors.screening_file_get(
            creator=self.creator, fan_id=interaction_id, file_id=file_id
        )
        services.screening_file_delete(screening_file=screening_file)
        return v1_ok(None)


class ScreeningFileDownloadView(V1ApiView):
    policy_actions = {"GET": Action.SCREENING_READ}
    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(
        operation_id="v1_screening_files_download",
        tags=TAGS,
        summary="Download a screening file",
        responses={**BINARY_DOWNLOAD, **v1_errors(401, 403, 404)},
    )
    def get(self, request, interaction_id, file_id):
        screening_file = selectors.screening_file_get(
            creator=self.creator, fan_id=interaction_id, file_id=file_id
        )
        return screening_file_response(screening_file)


class ScreeningFileListView(V1ApiView):
    """GET /api/v1/files/screening/:interactionId (the Files API's "List Screening Files")."""

    policy_actions = {"GET": Action.SCREENING_READ}

    serializer_class = FileListItemSerializer

    @extend_schema(
        operation_id="v1_files_screening_list",
        tags=["v1 files"],
        summary="List a client's screening files",
        responses={
            200: v1_envelope("V1ScreeningFileList", FileListItemSerializer, many=True),
            **v1_errors(401, 403, 404),
        },
    )
    def get(self, request, interaction_id):
        _fan, files = selectors.screening_files_for_fan(creator=self.creator, fan_id=interaction_id)
        return self.answer(files, many=True)
