"""The creator's dashboard: the overview's figures as KPI cards, server-drawn SVG charts and tables."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.exceptions import InvalidInput
from core.templatetags.formatting import money
from crm.security import sessions
from crm.teams import policy

from . import charts, selectors
from .templatetags.analytics_format import duration, percent

WINDOW_CHOICES = [("7d", "Last 7 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days")]


def _tone(change: float, *, lower_is_better: bool = False) -> str:
    if change == 0:
        return "flat"
    return "good" if (change < 0) == lower_is_better else "bad"


def _kpis(metrics: dict) -> list[dict]:
    change = metrics["change"]
    return [
        {
            "title": "Revenue",
            "value": money(metrics["revenueMonthly"]),
            "change": change["revenue"],
            "tone": _tone(change["revenue"]),
        },
        {
            "title": "Active subscribers",
            "value": f"{metrics['activeSubscribers']:,}",
            "change": change["subscribers"],
            "tone": _tone(change["subscribers"]),
        },
        {
            "title": "Average response time",
            "value": duration(metrics["avgResponseSeconds"]),
            "change": change["response"],
            "tone": _tone(change["response"], lower_is_better=True),
        },
        {
            "title": "AI automation",
            "value": percent(metrics["aiAutomationRate"]),
            "change": change["automation"],
            "tone": _tone(change["automation"]),
        },
    ]


@login_required
def dashboard(request):
    member = sessions.active_member(request)
    if member is None:
        raise PermissionDenied("The dashboard is for creator accounts.")
    policy.require(member, policy.Action.REVENUE_READ)  # chatters see no revenue reports
    request.member, creator = member, member.creator
    window = request.GET.get("window") or selectors.DEFAULT_WINDOW
    error, status = "", 200
    try:
        data = selectors.overview(creator=creator, window=window)
    except InvalidInput as exc:
        error, status, window = exc.message, 400, selectors.DEFAULT_WINDOW
        data = selectors.overview(creator=creator, window=window)
    series, growth = data["revenueSeries"], data["fanGrowth"]
    context = {
        "error": error,
        "window": window,
        "window_label": dict(WINDOW_CHOICES)[window],
        "window_choices": WINDOW_CHOICES,
        "data": data,
        "kpis": _kpis(data["metrics"]),
        "revenue_chart": charts.bar_chart(series["labels"], series["values"]),
        "revenue_rows": list(zip(series["labels"], series["values"], strict=True)),
        "growth_chart": charts.bar_chart(growth["labels"], growth["newFans"], growth["activeFans"]),
        "growth_rows": list(zip(growth["labels"], growth["newFans"], growth["activeFans"], strict=True)),
        "platform_chart": charts.share_bars(data["platformDistribution"]),
    }
    return render(request, "analytics/dashboard.html", context, status=status)
