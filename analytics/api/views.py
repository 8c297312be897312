from rest_framework.response import Response

from crm.api.base import CrmSurfaceView

from .. import selectors


class OverviewView(CrmSurfaceView):
    """GET /api/analytics/overview[?window=7d|30d|90d] — the seed-000 analytics overview."""

    def get(self, request):
        window = request.query_params.get("window") or selectors.DEFAULT_WINDOW
        return Response(selectors.overview(creator=self.creator, window=window))
