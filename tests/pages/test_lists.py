"""What the fans list and the inbox share (crm.views.common.list_page_context)."""

import pytest

from crm import selectors
from tests.factories import TagFactory
from tests.helpers import assert_status

pytestmark = pytest.mark.django_db

LISTS = [
    ("/fans/", selectors.DEFAULT_FAN_SORT, selectors.FAN_SORTS),
    ("/inbox/", selectors.DEFAULT_INBOX_SORT, selectors.INBOX_SORTS),
]


@pytest.mark.parametrize(("url", "default_sort", "sorts"), LISTS)
def test_unknown_sort_falls_back_to_the_default(page_client, url, default_sort, sorts):
    response = page_client.get(url, {"sort": "nonsense"})
    assert_status(response, 200)
    assert response.context["sort"] == default_sort
    assert [key for key, _label in response.context["sorts"]] == list(sorts)
    assert f'<option value="{default_sort}" selected>' in response.content.decode()


@pytest.mark.parametrize(("url", "default_sort", "sorts"), LISTS)
def test_sort_cursors_filters_and_tag_names(page_client, other_creator, url, default_sort, sorts):
    TagFactory(creator=page_client.creator, name="vip")
    TagFactory(creator=page_client.creator, name="angel")
    TagFactory(creator=other_creator, name="not-mine")
    other_sort = next(key for key in sorts if key != default_sort)
    response = page_client.get(url, {"sort": other_sort, "platform": "instagram", "after": "x", "before": "y"})
    assert_status(response, 200)
    assert response.context["sort"] == other_sort
    assert response.context["base_query"] == f"sort={other_sort}&platform=instagram"
    assert response.context["tag_names"] == ["angel", "vip"]
    body = response.content.decode()
    assert '<option value="">Any</option>' in body and "---------" not in body
