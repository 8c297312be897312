"""The intake: verification handshake, signatures over the raw body, payload shapes, dedupe."""

import hashlib
import hmac
import json

import pytest

from crm.models import Message
from tests.helpers import assert_status
from tests.webhooks.conftest import ACCOUNT_ID, URL, deliver, encode, load
from webhooks.choices import EventStatus
from webhooks.intake import sign
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


# --- GET verification ----------------------------------------------------------------------


def verify(meta, **params):
    query = {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1234567890"}
    query.update(params)
    return meta.get(URL, {k: v for k, v in query.items() if v is not None})


def test_verification_echoes_the_challenge_as_plain_text(meta):
    response = verify(meta)
    assert_status(response, 200)
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1234567890"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.verify_token": "wrong"},
        {"hub.verify_token": None},
        {"hub.verify_token": "test-verify-token-longer"},
        {"hub.verify_token": "ünïcode"},
        {"hub.mode": "unsubscribe"},
        {"hub.mode": None},
        {"hub.challenge": None},
    ],
)
def test_verification_fails_with_403(meta, params):
    response = verify(meta, **params)
    assert_status(response, 403)
    assert response.json() == {"error": "Verification failed"}


def test_verification_fails_when_no_token_is_configured(meta, settings):
    settings.INSTAGRAM_WEBHOOK_VERIFY_TOKEN = ""
    assert_status(verify(meta, **{"hub.verify_token": ""}), 403)


# --- POST signatures -----------------------------------------------------------------------


def test_valid_signature_is_accepted_and_stored(meta, account):
    response = deliver(meta, load("comments"))
    assert_status(response, 200)
    assert response.json() == {"success": True}
    event = WebhookEvent.objects.get()
    assert event.event_type == "comments"
    assert event.external_id == f"instagram:{ACCOUNT_ID}:comments:17865799348089039"
    assert event.creator == account.creator


def test_signature_is_over_the_raw_bytes_whatever_their_formatting(meta):
    body = b'{ "entry" : [ {"id": "1", "changes": [ ] } ],\n "object":"instagram"}'
    assert_status(deliver(meta, body), 200)


def test_uppercase_hex_signature_is_accepted(meta):
    body = encode(load("media"))
    header = "sha256=" + hmac.new(b"test-instagram-secret", body, hashlib.sha256).hexdigest().upper()
    assert_status(deliver(meta, body, signature=header), 200)


def _bad_signatures():
    body = encode(load("comments"))
    good = sign(body, "test-instagram-secret")
    digest = good.removeprefix("sha256=")
    return {
        "missing": None,
        "empty": "",
        "malformed prefix": "sha1=" + digest,
        "no prefix": digest,
        "wrong length": good[:-2],
        "too long": good + "00",
        "wrong hex": "sha256=" + "z" * 64,
        "non-ascii": "sha256=" + "é" * 64,
        "wrong secret": sign(body, "another-secret"),
        "wrong digest": "sha256=" + ("0" if digest[0] != "0" else "1") + digest[1:],
        "re-serialised JSON": sign(json.dumps(json.loads(body), separators=(",", ":")).encode(), "test-instagram-secret"),
    }


@pytest.mark.parametrize("case", list(_bad_signatures()))
def test_bad_signatures_are_refused_with_401(meta, case):
    response = deliver(meta, load("comments"), signature=_bad_signatures()[case])
    assert_status(response, 401)
    assert response.json() == {"error": "Invalid signature"}
    assert not WebhookEvent.objects.exists()


def test_unsigned_deliveries_are_accepted_only_when_allowed(meta, settings):
    settings.INSTAGRAM_WEBHOOK_SECRET = ""
    settings.WEBHOOK_ALLOW_UNSIGNED = False
    assert_status(deliver(meta, load("media"), signature=None), 401)
    settings.WEBHOOK_ALLOW_UNSIGNED = True
    assert_status(deliver(meta, load("media"), signature=None), 200)
    assert WebhookEvent.objects.count() == 1


def test_a_configured_secret_is_checked_even_where_unsigned_is_allowed(meta, settings):
    settings.WEBHOOK_ALLOW_UNSIGNED = True
    assert_status(deliver(meta, load("media"), signature=None), 401)


def test_local_settings_allow_unsigned_and_production_settings_do_not():
    from config.settings import base, local

    assert local.WEBHOOK_ALLOW_UNSIGNED is True
    assert base.WEBHOOK_ALLOW_UNSIGNED is False


# --- Payload shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"",
        b"[]",
        b'"entry"',
        b"{}",
        b'{"entry": {}}',
        b'{"entry": [1]}',
        b'{"entry": [{"changes": []}]}',
        b'{"entry": [{"id": true, "changes": []}]}',
        b'{"entry": [{"id": "1", "changes": {}}]}',
        b'{"entry": [{"id": "1", "changes": ["x"]}]}',
        b'{"entry": [{"id": "1", "changes": [{"value": {}}]}]}',
        b'{"entry": [{"id": "1", "changes": [{"field": "comments", "value": "x"}]}]}',
        b'{"entry": [{"id": "1", "changes": [{"field": 3, "value": {}}]}]}',
        b'{"entry": [{"id": "1", "messaging": {}}]}',
        b'{"entry": [{"id": "1", "messaging": [null]}]}',
    ],
)
def test_invalid_payloads_are_refused_with_400(meta, body):
    response = deliver(meta, body)
    assert_status(response, 400)
    assert response.json() == {"error": "Invalid payload"}
    assert not WebhookEvent.objects.exists()


def test_one_bad_change_refuses_the_whole_delivery(meta):
    data = load("batch")
    data["entry"][1]["changes"].append({"field": "comments"})
    assert_status(deliver(meta, data), 400)
    assert not WebhookEvent.objects.exists()


def test_other_methods_answer_405_in_the_surface_format(meta):
    response = meta.put(URL, data=b"{}", content_type="application/json")
    assert_status(response, 405)
    assert "error" in response.json()


def test_bodies_over_the_json_limit_but_within_the_webhook_limit_are_accepted(meta, account):
    data = load("media")
    data["entry"][0]["changes"][0]["value"]["caption"] = "x" * 3_000_000  # 3 MB: beyond the 1 MB JSON limit
    assert_status(deliver(meta, data), 200)
    assert WebhookEvent.objects.count() == 1


def test_bodies_over_the_webhook_limit_answer_413(meta, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1000
    data = load("media")
    data["entry"][0]["changes"][0]["value"]["caption"] = "x" * 2000
    response = deliver(meta, data)
    assert_status(response, 413)
    assert response.json() == {"error": "Request body too large"}


def test_webhooks_are_not_rate_limited(meta, settings):
    settings.WRITE_RATE_LIMIT = "2/60s"
    for n in range(5):
        data = load("media")
        data["entry"][0]["changes"][0]["value"]["id"] = f"media-{n}"
        assert_status(deliver(meta, data), 200)
    assert WebhookEvent.objects.count() == 5


# --- Splitting and deduplication ------------------------------------------------------------


def test_a_delivery_becomes_one_event_per_change_and_messaging_item(meta, account):
    assert_status(deliver(meta, load("batch")), 200)
    keys = dict(WebhookEvent.objects.values_list("external_id", "event_type"))
    assert len(keys) == 8
    assert keys[f"instagram:{ACCOUNT_ID}:messaging:mid-batch-1"] == "messaging"
    assert keys[f"instagram:{ACCOUNT_ID}:mentions:17918195224117999"] == "mentions"
    assert keys["instagram:17841400000000999:comments:17865799348089200"] == "comments"
    # The read receipt has no message id: its key is the hash of its canonical JSON.
    assert any(k.startswith(f"instagram:{ACCOUNT_ID}:messaging:sha256:") for k in keys)
    routed = dict(WebhookEvent.objects.values_list("account_id", "creator_id").distinct())
    assert routed == {ACCOUNT_ID: account.creator_id, "17841400000000999": None}


def test_the_hash_key_ignores_key_order_and_whitespace(meta):
    assert_status(deliver(meta, b'{"entry": [{"id": "1", "changes": [{"field": "x", "value": {"a": 1, "b": 2}}]}]}'), 200)
    assert_status(deliver(meta, b'{"entry":[{"id":"1","changes":[{"value":{"b":2,"a":1},"field":"x"}]}]}'), 200)
    assert WebhookEvent.objects.count() == 1


def test_a_duplicate_delivery_creates_nothing_new_and_still_answers_200(
    meta, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert_status(deliver(meta, load("comments")), 200)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(meta, load("comments"))
    assert_status(response, 200)
    assert response.json() == {"success": True}
    assert callbacks == []  # nothing enqueued again
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_change_repeated_inside_one_delivery_is_stored_once(meta):
    data = load("comments")
    data["entry"][0]["changes"] *= 3
    assert_status(deliver(meta, data), 200)
    assert WebhookEvent.objects.count() == 1


def test_very_long_ids_are_hashed_into_the_key(meta):
    data = load("media")
    data["entry"][0]["changes"][0]["value"]["id"] = "9" * 400
    assert_status(deliver(meta, data), 200)
    key = WebhookEvent.objects.get().external_id
    assert key.startswith("instagram:sha256:") and len(key) <= 255


def _big_delivery(count: int, *, users: int = 20) -> dict:
    changes = [
        {
            "field": "comments",
            "value": {"id": f"c{n}", "text": f"comment {n}", "from": {"id": f"u{n % users}", "username": f"user{n % users}"}},
        }
        for n in range(count)
    ]
    return {"object": "instagram", "entry": [{"id": ACCOUNT_ID, "time": 1735732800, "changes": changes}]}


@pytest.mark.parametrize("size", [1, 1000])
def test_intake_stores_in_one_statement_per_500_events_and_one_task_row_each(meta, account, settings, size):
    """No processing in the request: the events' INSERT (creator routing included), then one
    task row per event written in the same transaction (database task backend), and the task
    ids remembered on the events (one UPDATE per 500 events, for the sweeper)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with CaptureQueriesContext(connection) as captured:
        assert_status(deliver(meta, _big_delivery(size)), 200)
    statements = [q["sql"] for q in captured.captured_queries]
    event_inserts = [sql for sql in statements if sql.startswith('INSERT INTO "webhooks_webhookevent"')]
    task_inserts = [sql for sql in statements if sql.startswith('INSERT INTO "django_tasks_database_dbtaskresult"')]
    assert len(event_inserts) == (size + 499) // 500
    assert len(task_inserts) == size
    task_ids = [sql for sql in statements if sql.startswith('UPDATE "webhooks_webhookevent" SET "task_result_id"')]
    assert len(task_ids) == (size + 499) // 500
    others = [sql for sql in statements if sql not in event_inserts + task_inserts + task_ids]
    # Nothing else but transaction control (savepoints here, inside the test's transaction).
    assert all(sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")) for sql in others), others
    assert len(others) <= 4
    assert WebhookEvent.objects.filter(creator=account.creator).count() == size
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path="webhooks.tasks.process_event").count() == size
    remembered = set(WebhookEvent.objects.values_list("task_result_id", flat=True))
    assert remembered == {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}


def test_a_batch_of_1000_changes_is_stored_and_all_processed(meta, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert_status(deliver(meta, _big_delivery(1000)), 200)
    assert WebhookEvent.objects.count() == 1000
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}
    assert Message.objects.filter(creator=account.creator).count() == 1000
    assert account.creator.fans.count() == 20
    assert account.creator.conversations.count() == 20
