"""crm.contact.contact_submit: what marks a submission as spam."""

import pytest

from crm.contact import contact_submit
from crm.models import Fan, Message

pytestmark = pytest.mark.django_db


def submission(creator, **overrides):
    return {
        "model_id": creator.slug,
        "name": "Jordan Lee",
        "email": "jordan@example.com",
        "message": "Hello, I would like to ask about availability next week.",
        "consent_contact": True,
        **overrides,
    }


@pytest.mark.parametrize(
    "trap", [{"website": 1}, {"company": True}, {"website": ["x"]}, {"company": " "}, {"website": "http://x"}]
)
def test_any_value_in_a_honeypot_is_spam_and_stores_nothing(creator, trap):
    # JSON values that are not text never reach the form's data; they still mark a bot.
    result = contact_submit(data=submission(creator, **trap))
    assert result.spam and not result.accepted
    assert not Fan.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize("empty", [{"website": ""}, {"company": None}])
def test_an_empty_honeypot_is_not_spam(creator, empty):
    result = contact_submit(data=submission(creator, **empty))
    assert result.accepted and not result.spam
