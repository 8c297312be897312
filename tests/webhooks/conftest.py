import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PlatformAccountFactory
from webhooks.intake import parse_delivery, sign
from webhooks.models import WebhookEvent
from webhooks.processing import event_process
from webhooks.services import events_store

FIXTURES = Path(__file__).parent / "fixtures"
URL = "/api/webhooks/instagram"
ACCOUNT_ID = "17841400000000001"


def load(name: str) -> dict:
    """A payload fixture (a fresh copy: tests may change it)."""
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def encode(data) -> bytes:
    return data if isinstance(data, bytes) else json.dumps(data).encode()


def deliver(client: Client, data, *, signature: str | None = "valid", secret: str | None = None):
    """POST a delivery the way Meta does: raw JSON body, `X-Hub-Signature-256` over those bytes."""
    body = encode(data)
    headers = {}
    if signature == "valid":
        headers["X-Hub-Signature-256"] = sign(body, secret or settings.INSTAGRAM_WEBHOOK_SECRET)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post(URL, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def meta():
    """An anonymous client, as Meta's servers are."""
    return Client()


@pytest.fixture
def account(creator):
    """The creator's connected Instagram account, the one the fixtures are addressed to."""
    return PlatformAccountFactory(creator=creator, external_account_id=ACCOUNT_ID, username="the_creator")


def store(name_or_data) -> list[WebhookEvent]:
    """Store a fixture's events without processing them (as the intake does before commit)."""
    data = load(name_or_data) if isinstance(name_or_data, str) else name_or_data
    ids = events_store(drafts=parse_delivery(json.dumps(data).encode()))
    return list(WebhookEvent.objects.filter(pk__in=ids).order_by("id"))


def process(event: WebhookEvent) -> WebhookEvent:
    event_process(event_id=event.pk)
    event.refresh_from_db()
    return event
