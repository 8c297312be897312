"""Saved replies: managed on the settings page, variables filled in safely, picked in the thread."""

import pytest

from core.exceptions import InvalidInput
from crm import saved_replies, services
from crm.models import SavedReply
from tests.factories import ConversationFactory, FanFactory
from tests.helpers import admin_url, assert_status

pytestmark = pytest.mark.django_db


def test_variables_are_filled_in_by_substitution_not_a_template_engine(creator):
    fan = FanFactory(creator=creator, name="<b>Ivy</b> {% debug %}")
    text = saved_replies.render("Hi {{fan.name}}, {{ creator.display_name }} here", fan=fan, creator=creator)
    assert text == f"Hi <b>Ivy</b> {{% debug %}}, {creator.display_name} here"  # the fan's text, untouched


@pytest.mark.parametrize("body", ["Hi {{ fan.email }}", "{{ fan.name|upper }}", "{{ settings.SECRET_KEY }}", "   "])
def test_only_known_variables_are_accepted(creator, body):
    with pytest.raises(InvalidInput):
        services.saved_reply_create(creator=creator, title="x", body=body)
    assert not SavedReply.objects.exists()


def test_settings_page_adds_edits_and_deletes(page_client, other_page_client):
    response = page_client.post("/settings/saved-replies", {"title": "Welcome", "body": "Hi {{ fan.name }}!"})
    assert response.status_code == 302 and response["Location"].endswith("#saved-replies")
    reply = SavedReply.objects.get(creator=page_client.creator)
    assert "Welcome" in page_client.get("/settings/").content.decode()
    page_client.post(f"/settings/saved-replies/{reply.pk}", {"title": "Welcome back", "body": "Hey {{ fan.name }}"})
    reply.refresh_from_db()
    assert (reply.title, reply.body) == ("Welcome back", "Hey {{ fan.name }}")
    # Another creator's reply is 404, and theirs stays.
    assert other_page_client.post(f"/settings/saved-replies/{reply.pk}/delete").status_code == 404
    assert page_client.post(f"/settings/saved-replies/{reply.pk}/delete").status_code == 302
    assert not SavedReply.objects.exists()


def test_settings_page_errors(page_client):
    response = page_client.post("/settings/saved-replies", {"title": "Bad", "body": "Hi {{ fan.phone }}"})
    assert_status(response, 400)
    assert "Unknown variable" in str(response.context["reply_form"].errors["body"])
    services.saved_reply_create(creator=page_client.creator, title="Same", body="x")
    response = page_client.post("/settings/saved-replies", {"title": "Same", "body": "y"})
    assert_status(response, 400)
    assert "exists" in str(response.context["reply_form"].errors["title"])


def test_the_thread_offers_them_filled_in_for_its_fan(page_client):
    creator = page_client.creator
    fan = FanFactory(creator=creator, name='Ivy "Q" <x>')
    conversation = ConversationFactory(creator=creator, fan=fan)
    reply = services.saved_reply_create(creator=creator, title="Welcome", body="Hi {{ fan.name }}, from {{ creator.display_name }}")
    body = page_client.get(f"/inbox/{conversation.pk}/").content.decode()
    expected = f"Hi Ivy &quot;Q&quot; &lt;x&gt;, from {creator.display_name}"
    assert f'data-text="{expected}"' in body  # escaped for the attribute
    assert 'data-insert-into="id_text"' in body and "<script>" not in body.replace('<script src="/static/js/inbox.js" defer></script>', "")
    # Without script: the picker's Insert reloads the thread with the reply in the box.
    filled = page_client.get(f"/inbox/{conversation.pk}/?saved_reply={reply.pk}").content.decode()
    assert f"{expected}</textarea>" in filled


def test_the_admin_checks_variables(staff, creator):
    response = staff.post(admin_url(SavedReply, "add"), {"creator": creator.pk, "title": "T", "body": "{{ fan.email }}"})
    assert response.status_code == 200 and "Unknown variable" in response.content.decode()
    response = staff.post(admin_url(SavedReply, "add"), {"creator": creator.pk, "title": "T", "body": "Hi {{ fan.name }}"})
    assert response.status_code == 302 and SavedReply.objects.get().body == "Hi {{ fan.name }}"
