import pytest

from crm import services
from crm.choices import Direction
from tests.factories import ConversationFactory, FanFactory

pytestmark = pytest.mark.django_db


def test_message_counters_and_response_time():
    conversation = ConversationFactory()
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="hi")
    reply = services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="hello")
    conversation.refresh_from_db()
    assert conversation.message_count == 2
    assert conversation.unread_count == 1
    assert reply.response_seconds is not None


def test_fan_create_encrypts_and_hashes(creator):
    fan = services.fan_create(creator=creator, platform="direct", email=" A@B.com ", notes="secret", opening_balance_cents=500)
    fan.refresh_from_db()
    assert fan.email == " A@B.com "
    assert fan.value_cents == 500
    assert fan.name == " A"[1:] or fan.name
    assert FanFactory._meta.model.objects.filter(email_hash=fan.email_hash).count() == 1
