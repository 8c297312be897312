"""The files quota is exact under concurrent uploads: one conditional UPDATE per send, so six
visitors sending at once, with room for three files, store exactly three (the others 507).

On SQLite writers are serialised anyway; on PostgreSQL (scripts/pg-throwaway) the UPDATE's row
lock and its WHERE, evaluated again after the lock, are what keep the count."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from crm.models import ChatSettings, Message

from .conftest import PNG, Visitor

BIG = b"0" * (300 * 1024)


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_never_pass_the_quota(creator, settings):
    settings.CHAT_STORAGE_QUOTA_MB = 1
    visitors = [Visitor(creator, address=f"192.0.2.{i}") for i in range(6)]
    for browser in visitors:
        assert browser.start().status_code == 201
    statuses, barrier = [], threading.Barrier(len(visitors))

    def send(browser):
        try:
            barrier.wait(timeout=10)
            statuses.append(browser.send_files([SimpleUploadedFile("big.png", PNG + BIG)]).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(b,)) for b in visitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201, 201, 201, 507, 507, 507]
    stored = Message.objects.exclude(attachment="").count()
    assert stored == 3
    assert ChatSettings.objects.get(creator=creator).storage_used_bytes == 3 * (len(PNG) + len(BIG))
