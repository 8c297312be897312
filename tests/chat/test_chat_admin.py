"""The back office shows visitor chats read-only, without tokens, hashes or emails."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.models import ChatVisitor
from tests.factories import ChatBlockFactory, ChatSettingsFactory, ChatVisitorFactory, UserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return staff_login(Client(), UserFactory(is_staff=True, is_superuser=True))


def test_chat_changelists_do_not_grow_with_rows_and_show_no_secrets(staff):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            response = staff.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    ChatVisitorFactory(email="secret.visitor@example.com")
    ChatBlockFactory()
    ChatSettingsFactory()
    first = {url: queries(url)[0] for url in ("/admin/crm/chatvisitor/", "/admin/crm/chatblock/", "/admin/crm/chatsettings/")}
    for _ in range(4):
        ChatBlockFactory()
        ChatSettingsFactory()
    assert {url: queries(url)[0] for url in first} == first
    visitor = ChatVisitor.objects.filter(email_hash__gt="").get()
    _count, html = queries(f"/admin/crm/chatvisitor/{visitor.pk}/change/")
    assert visitor.token_hash not in html and "secret.visitor@example.com" not in html and visitor.email_hash not in html
    assert staff.get("/admin/crm/chatvisitor/add/").status_code == 403
