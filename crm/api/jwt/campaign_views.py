"""Scheduled messages on the seed-000 surface (an extension: docs/campaigns.md, docs/api-crm.md).

Created by `POST /api/crm/conversations/{id}/messages` with `send_at`; listed, read, edited and
cancelled here until they are sent. The same rules as the Campaigns page (crm.campaigns), under
the same policy action.
"""

from drf_spectacular.utils import extend_schema

from core.api.cursors import orderings, sort_by
from core.api.schema import WRITE_HEADERS_DOC, envelope, errors, list_parameters
from crm import campaigns, selectors
from crm.filters import ScheduledMessageFilterSet
from crm.teams.policy import Action

from ..base import CrmApiView, CrmListView
from ..campaign_fields import (
    ScheduledMessageSerializer,
    ScheduledMessageUpdateSerializer,
    scheduled_message_edit,
)

SCHEDULED_ORDERINGS = orderings(
    sort_by("send_at"),
    sort_by("-send_at"),
    sort_by("-id"),
    sort_by("id"),
)
SCHEDULED = envelope("ScheduledMessageResponse", "scheduled_message", ScheduledMessageSerializer)


class ScheduledMessageListView(CrmListView):
    policy_actions = {"GET": Action.CAMPAIGNS}
    selector = selectors.scheduled_messages
    filterset_class = ScheduledMessageFilterSet
    orderings = SCHEDULED_ORDERINGS
    default_ordering = "send_at"
    serializer_class = ScheduledMessageSerializer
    list_key = "scheduled_messages"

    @extend_schema(
        operation_id="crm_scheduled_messages_list",
        summary="Scheduled messages, soonest first",
        description="Extension. `status=scheduled` lists those still waiting.",
        parameters=list_parameters(ScheduledMessageFilterSet, SCHEDULED_ORDERINGS, "send_at"),
        responses={
            200: envelope("ScheduledMessageList", "scheduled_messages", ScheduledMessageSerializer, many=True),
            **errors(400, 401, 403),
        },
    )
    def get(self, request):
        return self.list()


class ScheduledMessageDetailView(CrmApiView):
    policy_actions = {"GET": Action.CAMPAIGNS, "PATCH": Action.CAMPAIGNS, "DELETE": Action.CAMPAIGNS}
    serializer_class = ScheduledMessageSerializer
    item_key = "scheduled_message"

    def get_scheduled(self, scheduled_id):
        return selectors.scheduled_message_get(creator=self.creator, scheduled_id=scheduled_id)

    @extend_schema(
        operation_id="crm_scheduled_messages_retrieve",
        summary="A scheduled message",
        responses={200: SCHEDULED, **errors(401, 403, 404)},
    )
    def get(self, request, scheduled_id):
        return self.answer(self.get_scheduled(scheduled_id))

    @extend_schema(
        operation_id="crm_scheduled_messages_update",
        summary="Change a waiting scheduled message's text, time or price",
        description="Extension. One that is sent, cancelled or failed is 400. " + WRITE_HEADERS_DOC,
        request=ScheduledMessageUpdateSerializer,
        responses={200: SCHEDULED, **errors(400, 401, 403, 404, 429)},
    )
    def patch(self, request, scheduled_id):
        scheduled = self.get_scheduled(scheduled_id)
        data = self.validated(ScheduledMessageUpdateSerializer)
        return self.answer(scheduled_message_edit(scheduled, data))

    @extend_schema(
        operation_id="crm_scheduled_messages_cancel",
        summary="Cancel a waiting scheduled message",
        description="Extension. Answers the message, now `cancelled`; it is never sent. " + WRITE_HEADERS_DOC,
        responses={200: SCHEDULED, **errors(400, 401, 403, 404, 429)},
    )
    def delete(self, request, scheduled_id):
        return self.answer(campaigns.scheduled_message_cancel(scheduled=self.get_scheduled(scheduled_id)))
