"""The back office: list filters, readable payloads, replay and ignore actions."""

import pytest

from crm.models import Message
from tests.factories import WebhookEventFactory
from tests.webhooks.conftest import load, store
from webhooks.choices import EventStatus, IgnoredReason
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/webhooks/webhookevent/"


@pytest.mark.parametrize("rows", [1, 30])
def test_changelist_query_count_does_not_grow_with_rows(staff, account, rows, django_assert_num_queries):
    for n in range(rows):
        WebhookEventFactory(creator=account.creator, status=EventStatus.FAILED, external_id=f"k{n}")
    # session, user, the verified second-factor device, count, the page of events joined to
    # their creators: the same for 1 row and for 30 (the event type filter reads no rows; the
    # header's acting creator is resolved only where a template shows it, not in the admin)
    with django_assert_num_queries(5):
        response = staff.get(CHANGELIST)
    assert response.status_code == 200
    assert response.content.count(b'class="action-select"') == rows


@pytest.mark.parametrize(
    "query, expected",
    [("status__exact=dead", {"dead-one"}), ("event_type=mentions", {"mention"}), ("provider__exact=instagram", {"dead-one", "mention", "ok"})],
)
def test_changelist_filters(staff, query, expected):
    WebhookEventFactory(external_id="dead-one", status=EventStatus.DEAD)
    WebhookEventFactory(external_id="mention", event_type="mentions", status=EventStatus.PROCESSED)
    WebhookEventFactory(external_id="ok", status=EventStatus.PROCESSED)
    response = staff.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    shown = {event.external_id for event in response.context["cl"].result_list}
    assert shown == expected


def test_the_payload_is_readable_and_nothing_is_editable(staff):
    event = WebhookEventFactory(payload={"field": "comments", "value": {"id": "c1", "text": "<b>hi</b>"}})
    response = staff.get(f"{CHANGELIST}{event.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<pre" in html and "&quot;text&quot;: &quot;&lt;b&gt;hi&lt;/b&gt;&quot;" in html
    assert 'name="payload"' not in html and 'name="status"' not in html
    assert staff.get(f"{CHANGELIST}add/").status_code == 403


def test_replay_action_reprocesses_through_the_service(staff, account, django_capture_on_commit_callbacks):
    event = store("comments")[0]
    WebhookEvent.objects.filter(pk=event.pk).update(status=EventStatus.DEAD, attempts=8, last_error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(CHANGELIST, {"action": "replay", "_selected_action": [event.pk]})
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (EventStatus.PROCESSED, 1, "")
    assert Message.objects.count() == 1


def test_ignore_action(staff, account):
    pending = store(load("comments"))[0]
    processed = WebhookEventFactory(status=EventStatus.PROCESSED)
    response = staff.post(CHANGELIST, {"action": "ignore", "_selected_action": [pending.pk, processed.pk]})
    assert response.status_code == 302
    pending.refresh_from_db()
    processed.refresh_from_db()
    assert (pending.status, pending.ignored_reason) == (EventStatus.IGNORED, IgnoredReason.STAFF)
    assert processed.status == EventStatus.PROCESSED
