"""Scheduled messages on the seed-002 surface (an extension: docs/campaigns.md, docs/api-v1.md).

Created by `POST /api/v1/messages` with `send_at`; listed, read, edited and cancelled here until
they are sent, by the rules of the Campaigns page (crm.campaigns).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.schema import WRITE_HEADERS_DOC, page_parameters, status_parameter, v1_envelope, v1_errors
from crm import campaigns, selectors
from crm.choices import ScheduledStatus
from crm.filters import ScheduledMessageFilterSet
from crm.teams.policy import Action

from ..base import V1ApiView, V1ListView
from ..campaign_fields import (
    ScheduledMessageSerializer,
    ScheduledMessageUpdateSerializer,
    scheduled_message_edit,
)

SCHEDULED = v1_envelope("V1ScheduledMessageResponse", ScheduledMessageSerializer)
STATUSES = ("all", *ScheduledStatus.values)


class ScheduledMessageListView(V1ListView):
    policy_actions = {"GET": Action.CAMPAIGNS}
    selector = selectors.scheduled_messages
    filterset_class = ScheduledMessageFilterSet
    serializer_class = ScheduledMessageSerializer
    ordering = ("send_at", "id")

    def filter_data(self, params) -> dict:
        status = params.get("status", "") or "all"
        data = {} if status == "all" else {"status": status}  # an unknown one: the FilterSet's 400
        for param, name in (("conversation_id", "conversation"), ("interaction_id", "fan")):
            row_id = self.id_param(params, param)
            if row_id is not None:
                data[name] = row_id
        return data

    @extend_schema(
        operation_id="v1_scheduled_messages_list",
        tags=["v1 scheduled messages"],
        summary="Scheduled messages, soonest first (extension)",
        parameters=[
            *page_parameters(),
            status_parameter(STATUSES, "Default all; `scheduled` lists those still waiting"),
            OpenApiParameter("conversation_id", OpenApiTypes.INT, description="Only this conversation's"),
            OpenApiParameter("interaction_id", OpenApiTypes.INT, description="Only this client's"),
        ],
        responses={
            200: v1_envelope("V1ScheduledMessageListResponse", ScheduledMessageSerializer, paginated=True),
            **v1_errors(400, 401, 403),
        },
    )
    def get(self, request):
        return self.list()


class ScheduledMessageDetailView(V1ApiView):
    policy_actions = {"GET": Action.CAMPAIGNS, "PATCH": Action.CAMPAIGNS, "DELETE": Action.CAMPAIGNS}
    serializer_class = ScheduledMessageSerializer

    def get_scheduled(self, scheduled_id):
        return selectors.scheduled_message_get(creator=self.creator, scheduled_id=scheduled_id)

    @extend_schema(
        operation_id="v1_scheduled_messages_retrieve",
        tags=["v1 scheduled messages"],
        summary="A scheduled message (extension)",
        responses={200: SCHEDULED, **v1_errors(401, 403, 404)},
    )
    def get(self, request, scheduled_id):
        return self.answer(self.get_scheduled(scheduled_id))

    @extend_schema(
        operation_id="v1_scheduled_messages_update",
        tags=["v1 scheduled messages"],
        summary="Change a waiting scheduled message's text, time or price (extension)",
        description="One that is sent, cancelled or failed is 400. " + WRITE_HEADERS_DOC,
        request=ScheduledMessageUpdateSerializer,
        responses={200: SCHEDULED, **v1_errors(400, 401, 403, 404, 413, 429)},
    )
    def patch(self, request, scheduled_id):
        scheduled = self.get_scheduled(scheduled_id)
        data = self.validated(ScheduledMessageUpdateSerializer)
        return self.answer(scheduled_message_edit(scheduled, data))

    @extend_schema(
        operation_id="v1_scheduled_messages_cancel",
        tags=["v1 scheduled messages"],
        summary="Cancel a waiting scheduled message (extension)",
        description="Answers the message, now `cancelled`; it is never sent. " + WRITE_HEADERS_DOC,
        responses={200: SCHEDULED, **v1_errors(400, 401, 403, 404, 429)},
    )
    def delete(self, request, scheduled_id):
        return self.answer(campaigns.scheduled_message_cancel(scheduled=self.get_scheduled(scheduled_id)))
