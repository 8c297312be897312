"""The server-rendered dashboard page."""

import pytest
from django.utils import timezone

from analytics import charts
from analytics.selectors import overview
from analytics.templatetags.analytics_format import duration, signed_percent
from core.templatetags.formatting import money
from tests.analytics.builders import build_dataset
from tests.factories import UserFactory
from tests.helpers import page_client_for

pytestmark = pytest.mark.django_db
URL = "/dashboard/"


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login")


def test_staff_without_creator_is_forbidden():
    assert page_client_for(UserFactory(is_staff=True)).get(URL).status_code == 403


def test_empty_dashboard(page_client):
    response = page_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No revenue in the last six months yet." in html
    assert "No fan has paid in this window yet." in html
    assert "No revenue in this window yet." in html
    assert "No new or active fans in the last four weeks." in html
    assert html.count('role="img"') == 2  # revenue and growth frames; no platform chart
    assert "$0.00" in html


def test_dashboard_with_data(page_client):
    build_dataset(page_client.creator, now=timezone.now())
    response = page_client.get(URL, {"window": "90d"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 3
    assert '<title id="revenue-svg-title">Revenue by month</title>' in html
    assert 'aria-labelledby="revenue-svg-title revenue-svg-desc"' in html
    assert "Share of revenue by platform" in html
    assert '<option value="90d" selected>' in html
    assert 'aria-current="page">Dashboard</a>' in html
    assert '<th scope="row">Bob' in html  # a top fan in the table
    assert "No fan has paid" not in html
    # The page shows the overview's computed figures, not placeholders.
    data = overview(creator=page_client.creator, window="90d")
    assert data["metrics"]["revenueMonthly"] > 0
    assert money(data["metrics"]["revenueMonthly"]) in html
    for fan in data["topFans"]:
        assert f'<th scope="row">{fan["name"]}' in html and money(fan["revenue"]) in html


def test_invalid_window_is_a_400_with_the_default_shown(page_client):
    response = page_client.get(URL, {"window": "365d"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Invalid window" in html
    assert '<option value="30d" selected>' in html


def test_bar_chart_geometry_and_negatives():
    chart = charts.bar_chart(["a", "b", "c"], [100, -50, 0])
    a, b, c = chart["bars"]
    assert a.y + a.height == chart["baseline"] and a.height > b.height > 0
    assert b.y == chart["baseline"]  # a negative month hangs below the axis
    assert c.height == 0
    assert not chart["empty"]


def test_bar_chart_all_zero_does_not_divide_by_zero():
    chart = charts.bar_chart(["a", "b"], [0, 0], [0, 0])
    assert chart["empty"] and all(bar.height == 0 for bar in chart["bars"])


def test_formatting():
    assert money(123456) == "$1,234.56"
    assert money(-5) == "−$0.05"  # the pages' typographic minus
    assert money(10**17 + 1) == "$1,000,000,000,000,000.01"  # no float rounding
    assert signed_percent(0.1234) == "+12.3%"
    assert signed_percent(-0.25) == "−25.0%"
    assert signed_percent(0) == "0.0%"
    assert duration(45) == "45 s" and duration(600) == "10 min" and duration(5400) == "1.5 h"
