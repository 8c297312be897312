from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from crm.api.base import CrmSurfaceView
from crm.teams.policy import Action

from .. import selectors


class OverviewView(CrmSurfaceView):
    """GET /api/analytics/overview[?window=7d|30d|90d] — the seed-000 analytics overview."""

    policy_actions = {"GET": Action.REVENUE_READ}

    @extend_schema(
        parameters=[
            OpenApiParameter("window", str, enum=list(selectors.WINDOWS), required=False, default="30d"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        description="Metrics, top fans, platform distribution, revenue series and fan growth "
        "(docs/analytics.md). 400 `Invalid window`, 401 `Not authenticated`.",
    )
    def get(self, request):
        window = request.query_params.get("window") or selectors.DEFAULT_WINDOW
        return Response(selectors.overview(creator=self.creator, window=window))
