"""`/api/v1/transactions` (an extension, docs/api-v1.md): the ledger and PPV unlocks by API key.

The same service and rules as `POST /api/crm/transactions` (crm.services.transaction_record:
a known `external_id` per platform answers the recorded one, 200, instead of a second row).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.schema import WRITE_HEADERS_DOC, page_parameters, v1_envelope, v1_errors
from crm import selectors
from crm.choices import Platform, TransactionKind
from crm.filters import TransactionFilterSet
from crm.teams.policy import Action

from ..base import V1ListView
from ..transaction_fields import transaction_record_from
from .transaction_serializers import V1TransactionCreateSerializer, V1TransactionSerializer
from .views import client_get

TRANSACTION = v1_envelope("V1TransactionResponse", V1TransactionSerializer)


class TransactionListView(V1ListView):
    policy_actions = {"GET": Action.REVENUE_READ, "POST": Action.MONEY_RECORD}
    selector = selectors.creator_transactions
    filterset_class = TransactionFilterSet
    serializer_class = V1TransactionSerializer
    ordering = ("-occurred_at", "-id")

    def filter_data(self, params) -> dict:
        # kind and platform as given: the FilterSet refuses an unknown one (400).
        data = {name: params[name] for name in ("kind", "platform") if params.get(name, "") != ""}
        fan_id = self.id_param(params, "interaction_id")
        if fan_id is not None:
            data["fan"] = fan_id
        return data

    @extend_schema(
        operation_id="v1_transactions_list",
        tags=["v1 transactions"],
        summary="The revenue ledger, newest first (extension)",
        parameters=[
            *page_parameters(),
            OpenApiParameter("interaction_id", OpenApiTypes.INT, description="Only this client's"),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(TransactionKind.values)),
            OpenApiParameter("platform", OpenApiTypes.STR, enum=list(Platform.values)),
        ],
        responses={
            200: v1_envelope("V1TransactionListResponse", V1TransactionSerializer, paginated=True),
            **v1_errors(400, 401, 403),
        },
    )
    def get(self, request):
        return self.list()

    @extend_schema(
        operation_id="v1_transactions_create",
        tags=["v1 transactions"],
        summary="Record a transaction, e.g. a PPV unlock with its message_id (extension)",
        description="A known `external_id` (per platform) answers 200 with the recorded transaction "
        "instead of recording it twice. " + WRITE_HEADERS_DOC,
        request=V1TransactionCreateSerializer,
        responses={200: TRANSACTION, 201: TRANSACTION, **v1_errors(400, 401, 403, 404, 413, 429)},
    )
    def post(self, request):
        data = self.validated(V1TransactionCreateSerializer)
        txn, created = transaction_record_from(client_get(self.creator, data["interaction_id"]), data)
        return self.answer(txn, status=201 if created else 200)
