"""Two simultaneous creates of one client (or contact submissions of one email) make one fan.

On SQLite every write transaction starts with the database write lock (IMMEDIATE), so the test
bites on PostgreSQL, where the creator row lock is what serialises the two requests.
"""

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from crm import selectors
from crm.models import Fan
from tests.factories import ApiKeyFactory, CreatorFactory


def slow_matcher(monkeypatch):
    """Widen the race window: matching takes 0.3 s, so unserialised requests both miss."""
    original = selectors.fan_match_contact

    def slow(**kwargs):
        found = original(**kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(selectors, "fan_match_contact", slow)


def run_together(requests) -> list[int]:
    statuses = []

    def worker(send):
        try:
            statuses.append(send().status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(send,)) for send in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
def test_concurrent_client_creates_make_one_fan(monkeypatch):
    key = ApiKeyFactory()
    slow_matcher(monkeypatch)

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.raw_key}")
        return client.post("/api/v1/clients", {"email": "race@example.com"}, format="json")

    assert run_together([send, send]) == [200, 201]
    assert Fan.objects.filter(creator=key.creator).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_contact_submissions_make_one_fan(monkeypatch):
    creator = CreatorFactory()
    slow_matcher(monkeypatch)
    payload = {
        "model_id": creator.slug,
        "name": "Racer",
        "email": "race@example.com",
        "message": "Two tabs, one click each.",
        "consent_contact": True,
    }

    def send():
        return APIClient().post("/api/contact/submit", payload, format="json")

    assert run_together([send, send]) == [200, 200]
    assert Fan.objects.filter(creator=creator).count() == 1
