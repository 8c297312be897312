"""Seed-002 `/api/v1`: API keys, clients and notes (conversations and files: messaging_views).

Every view inherits `V1SurfaceView` (API key, `self.creator`, shared write budget, error
envelope) or `PublicV1View` (the two key endpoints). Writes go through crm.services.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.errors import RateLimited
from core.api.pages import paginate
from core.api.parsers import json_object
from core.api.schema import WRITE_HEADERS_DOC, page_parameters, status_parameter, v1_envelope, v1_errors
from core.api.views import PublicV1View, v1_ok
from core.crypto import email_hash, phone_hash
from core.exceptions import ApplicationError, InvalidInput
from crm import selectors, services
from crm.choices import ClientCategory, Platform, ScreeningStatus, SignInSurface
from crm.filters import FanFilterSet
from crm.models import Fan
from crm.security import guard, two_factor

from ..base import V1SurfaceView
from . import schema as doc
from .serializers import (
    ClientDetailSerializer,
    ClientListSerializer,
    ClientWriteSerializer,
    NotesSerializer,
)

CLIENT_NOT_FOUND = "Client not found"


def client_get(creator, interaction_id) -> Fan:
    """The creator's client; anything else (another creator's, no such id) is `Client not found`."""
    return selectors.fan_get(creator=creator, fan_id=interaction_id, message=CLIENT_NOT_FOUND)


# --- API keys --------------------------------------------------------------------------------

KEY_RATE = "10/15m"
KEY_RATE_GROUP = "v1-api-keys"
KEY_CREDENTIALS_REQUIRED = "model_slug and password are required"


class InvalidCredentials(ApplicationError):
    status_code = 401


class ApiKeyCredentialsView(PublicV1View):
    """The creator proves ownership with slug and password (and, with two-factor sign-in on,
    `otp`); both key endpoints share a per-address budget stricter than the login's, and
    failures count against the account's budget shared with every sign-in (crm.security.guard)."""

    def creator_from_credentials(self, request):
        django_request = request._request
        try:
            guard.spend_address(django_request, surface=SignInSurface.API_KEYS, group=KEY_RATE_GROUP, rate=KEY_RATE)
        except guard.SignInThrottled as exc:
            raise RateLimited(exc.usage)
        data = json_object(request)
        slug, password = data.get("model_slug"), data.get("password")
        if not (isinstance(slug, str) and slug.strip() and isinstance(password, str) and password):
            raise InvalidInput(KEY_CREDENTIALS_REQUIRED)
        creator = selectors.creator_by_slug(slug.strip().lower())
        user = creator.user if creator is not None else None
        try:
            guard.check_account(django_request, surface=SignInSurface.API_KEYS, user=user, identifier=slug)
        except guard.SignInThrottled as exc:
            raise RateLimited(exc.usage)
        if creator is None or not creator.user.is_active:
            # Hash anyway, so an unknown slug answers as slowly as a wrong password.
            get_user_model()().set_password(password)
            guard.sign_in_failed(django_request, surface=SignInSurface.API_KEYS, identifier=slug, user=user)
            raise InvalidCredentials("Invalid credentials")
        if not creator.user.check_password(password):
            guard.sign_in_failed(django_request, surface=SignInSurface.API_KEYS, identifier=slug, user=user)
            raise InvalidCredentials("Invalid credentials")
        otp = data.get("otp")
        two_factor.require_second_factor(django_request, user, otp if isinstance(otp, str) else None)
        guard.sign_in_succeeded(django_request, surface=SignInSurface.API_KEYS, user=user)
        return creator, data


class GenerateKeyView(ApiKeyCredentialsView):
    @extend_schema(
        operation_id="v1_auth_generate_key",
        tags=["v1 keys"],
        summary="Create an API key from the creator's slug and password",
        description="10 requests per 15 minutes per address, shared with revoke-key.",
        request=doc.GenerateKeyRequestSerializer,
        responses={
            201: v1_envelope("V1GeneratedKey", doc.GeneratedKeySerializer),
            **v1_errors(400, 401, 429),
        },
    )
    def post(self, request):
        creator, data = self.creator_from_credentials(request)
        name = data.get("name", "")
        if name is not None and not isinstance(name, str):
            raise InvalidInput("Invalid name", field="name")
        api_key, raw_key = services.api_key_create(creator=creator, name=name or "")
        return v1_ok(
            {
                "api_key": raw_key,
                "key_id": api_key.pk,
                "name": api_key.name,
                "prefix": api_key.prefix,
                "model_id": creator.pk,
                "model_slug": creator.slug,
                "expires": "Never (revoke to disable)",
                "note": "Store this key securely - it will not be shown again",
            },
            status=201,
        )


class RevokeKeyView(ApiKeyCredentialsView):
    @extend_schema(
        operation_id="v1_auth_revoke_keys",
        tags=["v1 keys"],
        summary="Revoke every API key of the creator",
        request=doc.KeyCredentialsSerializer,
        responses={
            200: v1_envelope("V1RevokedKeys", doc.RevokedKeysSerializer),
            **v1_errors(400, 401, 429),
        },
    )
    def post(self, request):
        creator, _data = self.creator_from_credentials(request)
        revoked = services.api_keys_revoke_all(creator=creator)
        return v1_ok(
            {
                "model_id": creator.pk,
                "model_slug": creator.slug,
                "revoked": revoked,
                "message": "All API keys for this account have been revoked",
            }
        )


# --- Clients ---------------------------------------------------------------------------------

# The document's `status` filter is the client category (`all` filters nothing).
CLIENT_STATUS_FILTERS = {
    "all": None,
    "screened": ClientCategory.SCREENED,
    "unscreened": ClientCategory.UNSCREENED,
    "subscriber": ClientCategory.SUBSCRIBER,
}


def client_list_rows(queryset):
    # The list shows no private columns: skip loading (and decrypting) them.
    return selectors.fans_with_conversation_counts(queryset.defer("email", "phone", "notes"))


def client_with_counts(creator, fan_id) -> Fan:
    """The creator's client with the counters the detail shows (`Client not found` otherwise)."""
    return selectors.fan_get_with_counts(creator=creator, fan_id=fan_id, message=CLIENT_NOT_FOUND)


def client_detail(creator, fan_id, **extra) -> dict:
    return {**ClientDetailSerializer(client_with_counts(creator, fan_id)).data, **extra}


def created_payload(creator, fan: Fan, *, created: bool) -> dict:
    return client_detail(creator, fan.pk, client_id=fan.pk, interaction_id=fan.pk, created=created)


def _fan_fields(data: dict) -> dict:
    """Serializer output → Fan fields (the document's `notes_encrypted` is the notes)."""
    fields = {
        key: data[key]
        for key in (
            "email",
            "phone",
            "client_identifier",
            "name",
            "handle",
            "client_category",
            "subscription_status",
        )
        if key in data
    }
    if "notes_encrypted" in data:
        fields["notes"] = data["notes_encrypted"]
    return fields


def _decide_screening(creator, fan: Fan, data: dict) -> None:
    """A screening status goes through the screening service (decider, time, category rule)."""
    if "screening_status" in data and data["screening_status"] != fan.screening_status:
        services.fan_screening_decide(
            fan=fan,
            status=data["screening_status"],
            decided_by=creator.user,
            client_category=data.get("client_category"),
        )


class ClientListView(V1SurfaceView):
    @extend_schema(
        operation_id="v1_clients_list",
        tags=["v1 clients"],
        summary="List clients, newest first",
        parameters=[
            *page_parameters(),
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                description="Part of the name, handle, identifier or platform id; or an exact email or phone",
            ),
            status_parameter(CLIENT_STATUS_FILTERS, "Client category; default all"),
        ],
        responses={
            200: v1_envelope("V1ClientListResponse", doc.V1ClientListSerializer, paginated=True),
            **v1_errors(400, 401, 403),
        },
    )
    def get(self, request):
        params = request.query_params
        status = params.get("status", "all") or "all"
        if status not in CLIENT_STATUS_FILTERS:
            raise InvalidInput("Invalid status", field="status")
        filters = {"q": params.get("search", "")}
        if CLIENT_STATUS_FILTERS[status]:
            filters["client_category"] = CLIENT_STATUS_FILTERS[status]
        matching = FanFilterSet(data=filters, queryset=Fan.objects.filter(creator=self.creator)).qs
        rows, pagination = paginate(request, matching.order_by("-id"), decorate=client_list_rows)
        return v1_ok(ClientListSerializer(rows, many=True).data, pagination=pagination)

    @extend_schema(
        operation_id="v1_clients_create",
        tags=["v1 clients"],
        summary="Create a client (or find the one with this email or phone)",
        description="An existing client matching the email or phone answers 200 with `created: false`. "
        + WRITE_HEADERS_DOC,
        request=ClientWriteSerializer,
        responses={
            200: v1_envelope("V1ClientCreatedResponse", doc.V1ClientCreatedSerializer),
            201: v1_envelope("V1ClientCreatedResponse", doc.V1ClientCreatedSerializer),
            **v1_errors(400, 401, 403, 413, 429),
        },
    )
    def post(self, request):
        serializer = ClientWriteSerializer(data=json_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not (data.get("email") or data.get("phone") or data.get("client_identifier")):
            raise InvalidInput("Email, phone, or client_identifier required")
        with transaction.atomic():
            # Two concurrent creates of one client must not both create it: match under a lock.
            services.creator_lock(creator=self.creator)
            existing = selectors.fan_match_contact(
                creator=self.creator,
                email_hash=email_hash(data.get("email", "")),
                phone_hash=phone_hash(data.get("phone", "")),
            )
            if existing is not None:
                return v1_ok(created_payload(self.creator, existing, created=False), status=200)
            fields = _fan_fields(data)
            fan = services.fan_create(creator=self.creator, platform=Platform.DIRECT, **fields)
            if data.get("screening_status", ScreeningStatus.PENDING) != ScreeningStatus.PENDING:
                _decide_screening(self.creator, fan, data)
        return v1_ok(created_payload(self.creator, fan, created=True), status=201)


class ClientDetailView(V1SurfaceView):
    @extend_schema(
        operation_id="v1_clients_retrieve",
        tags=["v1 clients"],
        summary="A client, with notes",
        responses={
            200: v1_envelope("V1ClientResponse", doc.V1ClientDetailSerializer),
            **v1_errors(401, 403, 404),
        },
    )
    def get(self, request, interaction_id):
        return v1_ok(client_detail(self.creator, interaction_id))

    @extend_schema(
        operation_id="v1_clients_update",
        tags=["v1 clients"],
        summary="Change a client (partial)",
        description="A new `screening_status` records the decision. " + WRITE_HEADERS_DOC,
        request=ClientWriteSerializer,
        responses={
            200: v1_envelope("V1ClientResponse", doc.V1ClientDetailSerializer),
            **v1_errors(400, 401, 403, 404, 413, 429),
        },
    )
    def put(self, request, interaction_id):
        # Loaded once with its counters (which a change of these fields leaves as they are); the
        # services keep the instance current, so it is also the answer.
        fan = client_with_counts(self.creator, interaction_id)
        serializer = ClientWriteSerializer(data=json_object(request), partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            _decide_screening(self.creator, fan, data)
            fields = _fan_fields(data)
            if fields:
                services.fan_update(fan=fan, **fields)
        return v1_ok(ClientDetailSerializer(fan).data)


# --- Notes -----------------------------------------------------------------------------------


class NotesView(V1SurfaceView):
    @extend_schema(
        operation_id="v1_notes_retrieve",
        tags=["v1 notes"],
        summary="A client's notes",
        responses={
            200: v1_envelope("V1NotesResponse", doc.V1NotesSerializer),
            **v1_errors(401, 403, 404),
        },
    )
    def get(self, request, interaction_id):
        fan = client_get(self.creator, interaction_id)
        return v1_ok(NotesSerializer(fan).data)

    @extend_schema(
        operation_id="v1_notes_update",
        tags=["v1 notes"],
        summary="Replace a client's notes",
        description=WRITE_HEADERS_DOC,
        request=doc.V1NotesWriteSerializer,
        responses={
            200: v1_envelope("V1NotesResponse", doc.V1NotesSerializer),
            **v1_errors(400, 401, 403, 404, 413, 429),
        },
    )
    def put(self, request, interaction_id):
        fan = client_get(self.creator, interaction_id)
        notes = json_object(request).get("notes")
        if notes is None:
            raise InvalidInput("notes field is required", field="notes")
        if not isinstance(notes, str) or len(notes) > 100_000:
            raise InvalidInput("Invalid notes", field="notes")
        services.fan_update(fan=fan, notes=notes)
        return v1_ok(NotesSerializer(fan).data)

    @extend_schema(
        operation_id="v1_notes_destroy",
        tags=["v1 notes"],
        summary="Clear a client's notes",
        description=WRITE_HEADERS_DOC,
        responses={200: v1_envelope("V1Deleted"), **v1_errors(401, 403, 404, 429)},
    )
    def delete(self, request, interaction_id):
        fan = client_get(self.creator, interaction_id)
        services.fan_update(fan=fan, notes="")
        return v1_ok(None)
