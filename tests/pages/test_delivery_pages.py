"""Delivery on the pages: the settings (token, switch, expiry warning) and the thread (status,
reason, retry, manual with a copy button, comment replies)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services
from crm.choices import DeliveryStatus, Direction, Platform
from crm.models import Message, PlatformAccount
from tests.factories import ConversationFactory, FanFactory, PlatformAccountFactory
from tests.helpers import assert_status

pytestmark = pytest.mark.django_db

TOKEN = "IGAAT-secret-page-token"


@pytest.fixture
def account(page_client):
    return PlatformAccountFactory(creator=page_client.creator, external_account_id="1784111", access_token=TOKEN, delivery_enabled=True)


@pytest.fixture
def ig_conversation(page_client):
    fan = FanFactory(creator=page_client.creator, platform=Platform.INSTAGRAM, platform_id="99887766", name="Ivy")
    return ConversationFactory(creator=page_client.creator, fan=fan, platform=Platform.INSTAGRAM)


def send(page_client, conversation, capture, **data):
    """Send from the thread, let the task run (after commit), and follow the redirect."""
    with capture(execute=True):
        response = page_client.post(f"/inbox/{conversation.pk}/send", {"text": "See you soon", **data})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return page_client.get(response["Location"])


# --- Settings ------------------------------------------------------------------------------


def test_connect_with_a_token_and_the_switch(page_client):
    response = page_client.post(
        "/settings/instagram",
        {"external_account_id": "1784222", "access_token": TOKEN, "token_expires_at": "2030-01-31", "delivery_enabled": "on"},
        follow=True,
    )
    assert_status(response, 200)
    account = PlatformAccount.objects.get(creator=page_client.creator)
    assert account.delivers and account.token_expires_at.date().isoformat() == "2030-01-31"
    body = response.content.decode()
    assert TOKEN not in body  # write-only
    assert "Sending replies through Instagram: <strong>on</strong>" in body


def test_the_switch_without_a_token_is_a_field_error(page_client):
    response = page_client.post("/settings/instagram", {"external_account_id": "1784222", "delivery_enabled": "on"})
    assert_status(response, 400)
    assert "access token" in str(response.context["instagram_form"].errors["access_token"])
    assert not PlatformAccount.objects.exists()


def test_the_delivery_form_switches_and_replaces_the_token(page_client, account):
    response = page_client.post(f"/settings/instagram/{account.pk}/delivery", {"delivery_enabled": ""})
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.delivery_enabled and account.access_token == TOKEN  # a blank token keeps it
    page_client.post(f"/settings/instagram/{account.pk}/delivery", {"access_token": "new-token", "delivery_enabled": "on"})
    account.refresh_from_db()
    assert account.delivers and account.access_token == "new-token"


def test_another_creators_account_is_404(page_client, other_creator):
    theirs = PlatformAccountFactory(creator=other_creator)
    assert page_client.post(f"/settings/instagram/{theirs.pk}/delivery", {"delivery_enabled": "on"}).status_code == 404


@pytest.mark.parametrize(("days", "warning"), [(30, None), (5, "expires on"), (-1, "expired on")])
def test_the_settings_warn_before_the_token_expires(page_client, account, days, warning):
    account.token_expires_at = timezone.now() + timedelta(days=days)
    account.save()
    body = page_client.get("/settings/").content.decode()
    if warning is None:
        assert "The access token expire" not in body
    else:
        assert f"The access token {warning}" in body


# --- The thread ----------------------------------------------------------------------------


def test_a_reply_is_queued_then_shown_sent(page_client, account, ig_conversation, fake_graph, django_capture_on_commit_callbacks):
    response = send(page_client, ig_conversation, django_capture_on_commit_callbacks)
    body = response.content.decode()
    assert "Reply queued: it is being sent through Instagram." in body
    assert 'data-delivery-status="sent"' in body
    assert "Replies are sent through Instagram." in body
    assert len(fake_graph.requests) == 1


def test_a_failure_shows_the_reason_what_to_do_and_retry(page_client, account, ig_conversation, fake_graph, django_capture_on_commit_callbacks):
    fake_graph.fail(10, "This message is sent outside of allowed window.", subcode=2534022)
    body = send(page_client, ig_conversation, django_capture_on_commit_callbacks).content.decode()
    assert 'data-delivery-status="failed"' in body
    assert "Outside the 24-hour messaging window" in body and "Wait for the fan to write again" in body
    message = Message.objects.get(direction=Direction.OUTGOING)
    assert f"/inbox/{ig_conversation.pk}/messages/{message.pk}/retry" in body
    with django_capture_on_commit_callbacks(execute=True):
        page_client.post(f"/inbox/{ig_conversation.pk}/messages/{message.pk}/retry")
    response = page_client.get(f"/inbox/{ig_conversation.pk}/")
    assert 'data-delivery-status="sent"' in response.content.decode()
    assert len(fake_graph.requests) == 2


def test_an_unknown_outcome_has_no_retry(page_client, account, ig_conversation, django_capture_on_commit_callbacks):
    from crm import delivery

    with django_capture_on_commit_callbacks():
        message = services.message_add(conversation=ig_conversation, direction=Direction.OUTGOING, text="x", via="inbox")
    delivery.delivery_outcome_unknown(message=delivery.delivery_claim(message_id=message.pk))
    body = page_client.get(f"/inbox/{ig_conversation.pk}/").content.decode()
    assert "Unknown — check Instagram" in body and "/retry" not in body
    response = page_client.post(f"/inbox/{ig_conversation.pk}/messages/{message.pk}/retry", follow=True)
    assert "cannot be retried" in response.content.decode()


def test_retry_of_another_creators_message_is_404(page_client, other_creator):
    theirs = ConversationFactory(fan=FanFactory(creator=other_creator))
    message = services.message_add(conversation=theirs, direction=Direction.OUTGOING, text="x")
    assert page_client.post(f"/inbox/{theirs.pk}/messages/{message.pk}/retry").status_code == 404


def test_with_delivery_off_the_thread_says_replies_are_recorded_only(page_client, ig_conversation, fake_graph, django_capture_on_commit_callbacks):
    body = send(page_client, ig_conversation, django_capture_on_commit_callbacks).content.decode()
    assert "Sending through Instagram is off" in body
    assert "Reply recorded here only: it was not sent to the fan." in body
    assert fake_graph.requests == []


def test_onlyfans_replies_are_manual_with_a_copy_button(page_client, django_capture_on_commit_callbacks):
    conversation = ConversationFactory(fan=FanFactory(creator=page_client.creator), platform=Platform.ONLYFANS)
    body = send(page_client, conversation, django_capture_on_commit_callbacks).content.decode()
    assert "Reply saved, not sent: OnlyFans has no messaging API." in body
    assert 'data-delivery-status="manual"' in body and 'data-copy-text="See you soon"' in body
    assert "js/inbox.js" in body  # the copy button's script: a static file, no inline script
    assert Message.objects.get().delivery_status == DeliveryStatus.MANUAL


def test_reply_to_a_comment_from_the_thread(page_client, account, ig_conversation, fake_graph, django_capture_on_commit_callbacks):
    comment = services.message_add(
        conversation=ig_conversation, direction=Direction.INCOMING, text="Nice pic", platform_message_id="178650001", is_comment=True
    )
    page = page_client.get(f"/inbox/{ig_conversation.pk}/?reply_to={comment.pk}").content.decode()
    assert "Replying to the comment “Nice pic”" in page and f'value="{comment.pk}"' in page
    send(page_client, ig_conversation, django_capture_on_commit_callbacks, reply_to=comment.pk)
    assert fake_graph.requests[0].path.endswith("/178650001/replies")


def test_reply_to_something_else_is_a_form_error(page_client, account, ig_conversation):
    dm = services.message_add(conversation=ig_conversation, direction=Direction.INCOMING, text="a dm")
    response = page_client.post(f"/inbox/{ig_conversation.pk}/send", {"text": "x", "reply_to": dm.pk})
    assert_status(response, 400)
    assert "Invalid reply_to" in response.content.decode()


def test_too_long_for_instagram_is_a_field_error(page_client, account, ig_conversation, fake_graph):
    response = page_client.post(f"/inbox/{ig_conversation.pk}/send", {"text": "y" * 1001})
    assert_status(response, 400)
    assert "at most 1000 characters" in response.content.decode()
    assert not Message.objects.exists()


def test_the_inbox_list_shows_a_reply_that_failed(page_client, account, ig_conversation, fake_graph, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    fake_graph.fail(190, "Error validating access token: Session has expired", subcode=463)
    send(page_client, ig_conversation, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(10):  # as tests/pages/test_inbox.py: the failed flag adds none
        body = page_client.get("/inbox/").content.decode()
    assert "Reply not delivered" in body
