"""Seed-002 `/api/v1`: API keys, clients and notes (conversations and files: messaging_views).

Every view inherits the surface's declarative bases (crm.api.base: API key, `self.creator`, shared
write budget, error envelope; a selector's rows, a FilterSet, a declared serializer) or
`PublicV1View` (the two key endpoints). Writes go through crm.services.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.errors import RateLimited
from core.api.parsers import json_object
from core.api.schema import WRITE_HEADERS_DOC, page_parameters, status_parameter, v1_envelope, v1_errors
from core.api.views import PublicV1View, v1_ok
from core.exceptions import ApplicationError, InvalidInput
from crm import campaigns, selectors, services
from crm.choices import ClientCategory, SignInSurface
from crm.filters import FanFilterSet
from crm.models import Fan
from crm.security import guard, two_factor
from crm.teams import actor
from crm.teams.policy import Action

from ..base import V1ApiView, V1ListView
from . import serializers as s

CLIENT_NOT_FOUND = "Client not found"


def client_get(creator, interaction_id) -> Fan:
    """The creator's client; anything else (another creator's, no such id) is `Client not found`."""
    return selectors.fan_get(creator=creator, fan_id=interaction_id, message=CLIENT_NOT_FOUND)


def client_with_counts(creator, fan_id) -> Fan:
    """The creator's client with the counters the detail shows (`Client not found` otherwise)."""
    return selectors.fan_get_with_counts(creator=creator, fan_id=fan_id, message=CLIENT_NOT_FOUND)


# --- API keys --------------------------------------------------------------------------------

KEY_RATE = "10/15m"
KEY_RATE_GROUP = "v1-api-keys"


class InvalidCredentials(ApplicationError):
    status_code = 401


class ApiKeyCredentialsView(PublicV1View):
    """The creator proves ownership with slug and password (and, with two-factor sign-in on,
    `otp`); both key endpoints share a per-address budget stricter than the login's, and
    failures count against the account's budget shared with every sign-in (crm.security.guard)."""

    def creator_from_credentials(self, request, serializer_class):
        django_request = request._request
        try:
            guard.spend_address(django_request, surface=SignInSurface.API_KEYS, group=KEY_RATE_GROUP, rate=KEY_RATE)
        except guard.SignInThrottled as exc:
            raise RateLimited(exc.usage)
        serializer = serializer_class(data=json_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        slug, password = data["model_slug"], data["password"]
        creator = selectors.creator_by_slug(slug)
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
        two_factor.require_second_factor(django_request, user, data["otp"])
        guard.sign_in_succeeded(django_request, surface=SignInSurface.API_KEYS, user=user)
        return creator, data


class GenerateKeyView(ApiKeyCredentialsView):
    @extend_schema(
        operation_id="v1_auth_generate_key",
        tags=["v1 keys"],
        summary="Create an API key from the creator's slug and password",
        description="10 requests per 15 minutes per address, shared with revoke-key.",
        request=s.GenerateKeyRequestSerializer,
        responses={
            201: v1_envelope("V1GeneratedKey", s.GeneratedKeySerializer),
            **v1_errors(400, 401, 429),
        },
    )
    def post(self, request):
        creator, data = self.creator_from_credentials(request, s.GenerateKeyRequestSerializer)
        with actor.acting_as(actor.Actor(user=creator.user)):  # the credentials were the creator's login
            api_key, raw_key = services.api_key_create(creator=creator, name=data["name"])
        return v1_ok(s.GeneratedKeySerializer(api_key, context={"raw_key": raw_key}).data, status=201)


class RevokeKeyView(ApiKeyCredentialsView):
    @extend_schema(
        operation_id="v1_auth_revoke_keys",
        tags=["v1 keys"],
        summary="Revoke every API key of the creator",
        request=s.KeyCredentialsSerializer,
        responses={
            200: v1_envelope("V1RevokedKeys", s.RevokedKeysSerializer),
            **v1_errors(400, 401, 429),
        },
    )
    def post(self, request):
        creator, _data = self.creator_from_credentials(request, s.KeyCredentialsSerializer)
        with actor.acting_as(actor.Actor(user=creator.user)):
            revoked = services.api_keys_revoke_all(creator=creator)
        return v1_ok(s.RevokedKeysSerializer(creator, context={"revoked": revoked}).data)


# --- Clients ---------------------------------------------------------------------------------

# The document's `status` filter is the client category (`all` filters nothing).
CLIENT_STATUS_FILTERS = {
    "all": None,
    "screened": ClientCategory.SCREENED,
    "unscreened": ClientCategory.UNSCREENED,
    "subscriber": ClientCategory.SUBSCRIBER,
}


class ClientListView(V1ListView):
    policy_actions = {"GET": Action.FANS_READ, "POST": Action.FANS_WRITE}
    selector = selectors.fans_list
    filterset_class = FanFilterSet
    serializer_class = s.V1ClientListSerializer

    def filter_data(self, params) -> dict:
        status = params.get("status", "all") or "all"
        if status not in CLIENT_STATUS_FILTERS:
            raise InvalidInput("Invalid status", field="status")
        # The segment filters (docs/campaigns.md) by their own names; `search` is the seed's `q`.
        data = {name: params[name] for name in campaigns.SEGMENT_FILTERS if name in params}
        data["q"] = params.get("search", "")
        if CLIENT_STATUS_FILTERS[status]:
            data["client_category"] = CLIENT_STATUS_FILTERS[status]
        return data

    def decorate(self, rows):
        return selectors.fan_list_rows_with_counts(rows)

    @extend_schema(
        operation_id="v1_clients_list",
        tags=["v1 clients"],
        summary="List clients, newest first",
        description="Extension: the segment filters (docs/campaigns.md: `spend_min`, `tags_any`, "
        "`inactive_days`, …) by their own names; an invalid value is 400 `Invalid <filter>`.",
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
            200: v1_envelope("V1ClientListResponse", s.V1ClientListSerializer, paginated=True),
            **v1_errors(400, 401, 403),
        },
    )
    def get(self, request):
        return self.list()

    @extend_schema(
        operation_id="v1_clients_create",
        tags=["v1 clients"],
        summary="Create a client (or find the one with this email or phone)",
        description="An existing client matching the email or phone answers 200 with `created: false` "
        "(and gains the email or phone it lacked). " + WRITE_HEADERS_DOC,
        request=s.ClientWriteSerializer,
        responses={
            200: v1_envelope("V1ClientCreatedResponse", s.V1ClientCreatedSerializer),
            201: v1_envelope("V1ClientCreatedResponse", s.V1ClientCreatedSerializer),
            **v1_errors(400, 401, 403, 413, 429),
        },
    )
    def post(self, request):
        data = self.validated(s.ClientWriteSerializer)
        if not (data.get("email") or data.get("phone") or data.get("client_identifier")):
            raise InvalidInput("Email, phone, or client_identifier required")
        fan, created = services.fan_match_or_create(creator=self.creator, decided_by=self.creator.user, **data)
        return self.answer(
            client_with_counts(self.creator, fan.pk),
            status=201 if created else 200,
            serializer_class=s.V1ClientCreatedSerializer,
            created=created,
        )


class ClientDetailView(V1ApiView):
    policy_actions = {"GET": Action.FANS_READ, "PUT": Action.FANS_WRITE}
    serializer_class = s.V1ClientDetailSerializer

    @extend_schema(
        operation_id="v1_clients_retrieve",
        tags=["v1 clients"],
        summary="A client, with notes",
        responses={
            200: v1_envelope("V1ClientResponse", s.V1ClientDetailSerializer),
            **v1_errors(401, 403, 404),
        },
    )
    def get(self, request, interaction_id):
        return self.answer(client_with_counts(self.creator, interaction_id))

    @extend_schema(
        operation_id="v1_clients_update",
        tags=["v1 clients"],
        summary="Change a client (partial)",
        description="A new `screening_status` records the decision. " + WRITE_HEADERS_DOC,
        request=s.ClientUpdateSerializer,
        responses={
            200: v1_envelope("V1ClientResponse", s.V1ClientDetailSerializer),
            **v1_errors(400, 401, 403, 404, 413, 429),
        },
    )
    def put(self, request, interaction_id):
        # Loaded once with its counters (which a change of these fields leaves as they are); the
        # service keeps the instance current, so it is also the answer.
        fan = client_with_counts(self.creator, interaction_id)
        serializer = s.ClientUpdateSerializer(data=json_object(request), partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        do_not_contact = data.pop("do_not_contact", None)
        reason = data.pop("do_not_contact_reason", "")
        with transaction.atomic():
            if data:
                services.fan_update(fan=fan, decided_by=self.creator.user, **data)
            if do_not_contact is not None:
                services.fan_do_not_contact(fan=fan, do_not_contact=do_not_contact, reason=reason)
        return self.answer(fan)


# --- Notes -----------------------------------------------------------------------------------


class NotesView(V1ApiView):
    policy_actions = {"GET": Action.FANS_NOTES, "PUT": Action.FANS_NOTES, "DELETE": Action.FANS_NOTES}
    serializer_class = s.V1NotesSerializer

    @extend_schema(
        operation_id="v1_notes_retrieve",
        tags=["v1 notes"],
        summary="A client's notes",
        responses={
            200: v1_envelope("V1NotesResponse", s.V1NotesSerializer),
            **v1_errors(401, 403, 404),
        },
    )
    def get(self, request, interaction_id):
        return self.answer(client_get(self.creator, interaction_id))

    @extend_schema(
        operation_id="v1_notes_update",
        tags=["v1 notes"],
        summary="Replace a client's notes",
        description=WRITE_HEADERS_DOC,
        request=s.V1NotesWriteSerializer,
        responses={
            200: v1_envelope("V1NotesResponse", s.V1NotesSerializer),
            **v1_errors(400, 401, 403, 404, 413, 429),
        },
    )
    def put(self, request, interaction_id):
        fan = client_get(self.creator, interaction_id)
        notes = self.validated(s.V1NotesWriteSerializer)["notes"]
        services.fan_update(fan=fan, notes=notes)
        return self.answer(fan)

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
