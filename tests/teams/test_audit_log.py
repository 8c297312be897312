"""The audit page (owners, managers), the admin's read-only log, and `view_private_fields`."""

import pytest
from django.contrib.auth.models import Permission

from crm import services
from crm.models import AuditEntry
from tests.conftest import staff_login
from tests.factories import AuditEntryFactory, CreatorFactory, FanFactory, MembershipFactory, UserFactory

from .conftest import page_client_for

pytestmark = pytest.mark.django_db


def test_owners_and_managers_read_their_creators_log_only(django_assert_max_num_queries):
    creator, other = CreatorFactory(), CreatorFactory()
    services.api_key_create(creator=creator, name="mine")
    services.api_key_create(creator=other, name="theirs")
    manager = page_client_for(MembershipFactory(creator=creator, role="manager").user)
    page = manager.get("/team/audit")
    assert page.status_code == 200
    assert page.content.count(b'data-action="api_key.created"') == 1
    chatter = page_client_for(MembershipFactory(creator=creator, role="chatter").user)
    assert chatter.get("/team/audit").status_code == 403
    AuditEntryFactory.create_batch(120, creator=creator)
    with django_assert_max_num_queries(8):
        first = manager.get("/team/audit")
    assert first.content.count(b"<tr data-action") == 50 and b"Older entries" in first.content


def test_the_log_pages_by_id():
    creator = CreatorFactory()
    AuditEntryFactory.create_batch(55, creator=creator)
    owner = page_client_for(creator.user)
    oldest_first = list(AuditEntry.objects.filter(creator=creator).order_by("id").values_list("pk", flat=True))
    second = owner.get(f"/team/audit?before={oldest_first[5]}")
    assert second.content.count(b"<tr data-action") == 5
    for bad in ("x", "-1", "99999999999999999999"):
        assert owner.get(f"/team/audit?before={bad}").status_code == 200


def test_the_admin_lists_the_log_but_never_changes_or_deletes_it(staff):
    entry = AuditEntryFactory()
    assert staff.get("/admin/crm/auditentry/").status_code == 200
    assert staff.get(f"/admin/crm/auditentry/{entry.pk}/change/").status_code == 200
    assert staff.post(f"/admin/crm/auditentry/{entry.pk}/delete/").status_code == 403
    response = staff.post("/admin/crm/auditentry/", {"action": "delete_selected", "_selected_action": [entry.pk]})
    assert AuditEntry.objects.filter(pk=entry.pk).exists() and response.status_code in (200, 302)


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="crm"))
    return staff_login(page_client_for(user), user), user


def test_private_fields_need_the_permission_and_each_viewing_is_audited():
    fan = FanFactory(email="secret@example.com", phone="+1 555 0100", notes="private")
    url = f"/admin/crm/fan/{fan.pk}/change/"
    plain, _user = staff_with("view_fan", "change_fan")
    page = plain.get(url)
    assert page.status_code == 200 and b"secret@example.com" not in page.content and b"private" not in page.content
    assert not AuditEntry.objects.exists()
    allowed, user = staff_with("view_fan", "change_fan", "view_private_fields")
    assert b"secret@example.com" in allowed.get(url).content
    allowed.get(url)
    entries = AuditEntry.objects.filter(action="private_fields.viewed")
    assert entries.count() == 2  # one per page view
    entry = entries.first()
    assert (entry.creator_id, entry.actor_id, entry.object_id) == (fan.creator_id, user.pk, fan.pk)
    assert entry.details == {"fields": ["email", "phone", "notes"]}
    assert "secret" not in str(entry.details)


def test_member_sign_ins_are_in_the_log_of_every_creator_they_work_for(client):
    first, second = CreatorFactory(), CreatorFactory()
    user = UserFactory(email="worker@example.com")
    MembershipFactory(creator=first, user=user)
    MembershipFactory(creator=second, user=user, is_active=False)  # not working there any more
    from rest_framework.test import APIClient

    assert APIClient().post("/api/auth/login", {"email": "worker@example.com", "password": "correct-horse-battery"}, format="json").status_code == 200
    assert client.post("/auth/login", {"username": "worker@example.com", "password": "correct-horse-battery"}).status_code == 302
    entries = AuditEntry.objects.filter(action="member.signed_in")
    assert list(entries.values_list("creator_id", "actor_id", "object_id")) == [(first.pk, user.pk, user.pk)] * 2


def test_screening_details_need_the_permission_too():
    from tests.factories import ScreeningMethodFactory

    method = ScreeningMethodFactory(details="Passport 123-XYZ")
    plain, _user = staff_with("view_fan", "change_fan")
    _user.user_permissions.add(Permission.objects.get(codename="view_screeningmethod"))
    assert b"Passport 123-XYZ" not in plain.get(f"/admin/crm/fan/{method.fan_id}/change/").content
    assert b"Passport 123-XYZ" not in plain.get(f"/admin/screening/screeningmethod/{method.pk}/change/").content
    assert not AuditEntry.objects.exists()
    allowed, allowed_user = staff_with("view_fan", "change_fan", "view_private_fields")
    allowed_user.user_permissions.add(Permission.objects.get(codename="view_screeningmethod"))
    assert b"Passport 123-XYZ" in allowed.get(f"/admin/crm/fan/{method.fan_id}/change/").content
    assert b"Passport 123-XYZ" in allowed.get(f"/admin/screening/screeningmethod/{method.pk}/change/").content
    assert list(AuditEntry.objects.order_by("id").values_list("action", "object_type", "object_id")) == [
        ("private_fields.viewed", "fan", method.fan_id),
        ("private_fields.viewed", "screeningmethod", method.pk),
    ]
